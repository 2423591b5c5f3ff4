import { buildSchema, GraphQLError, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  appSyncValidationMessage,
  executionErrorEntry,
  malformedEmpty,
  unauthorized,
  validationAnswer,
} from './appsync-http.ts';

const schema = buildSchema(`
  type City { code: String! name: String }
  type Query { city(code: String!): City cities: [City!]! }
`);

function validationMessages(query: string): string[] {
  const document = parse(query);
  return validate(schema, document).map((error) => appSyncValidationMessage(error, document));
}

describe('appSyncValidationMessage', () => {
  it('words an unknown field exactly as AppSync does', () => {
    expect(validationMessages('{ badfield }')).toEqual([
      "Validation error of type FieldUndefined: Field 'badfield' in type 'Query' is undefined @ 'badfield'",
    ]);
  });

  it('words an unknown field on a nested type, even when graphql-js suggests a name', () => {
    expect(validationMessages('{ cities { nam } }')).toEqual([
      "Validation error of type FieldUndefined: Field 'nam' in type 'City' is undefined @ 'cities/nam'",
    ]);
  });

  it("names the field path from the root the way AppSync does (`@ 'cities/nope'`)", () => {
    expect(validationMessages('{ cities { code nope } }')).toEqual([
      "Validation error of type FieldUndefined: Field 'nope' in type 'City' is undefined @ 'cities/nope'",
    ]);
    expect(validationMessages('{ city(code: "x", first: 1) { code } }')[0]).toMatch(/ @ 'city'$/);
    expect(validationMessages('query { ...F } fragment F on Query { cities { nope } }')[0]).toMatch(
      / @ 'cities\/nope'$/,
    );
  });

  it('classifies unknown arguments, missing arguments and wrong types', () => {
    expect(validationMessages('{ cities(first: 1) { code } }')[0]).toMatch(
      /^Validation error of type UnknownArgument: /,
    );
    expect(validationMessages('{ city { code } }')[0]).toMatch(/^Validation error of type MissingFieldArgument: /);
    expect(validationMessages('{ city(code: 5) { code } }')[0]).toMatch(/^Validation error of type WrongType: /);
  });

  it('classifies a missing required variable as a variable mismatch, not a missing field argument', () => {
    // graphql-js raises this while coercing variables, before execution.
    const message = 'Variable "$code" of required type "String!" was not provided.';
    expect(appSyncValidationMessage(new GraphQLError(message))).toBe(
      `Validation error of type VariableTypeMismatch: ${message}`,
    );
  });

  it('falls back to InvalidSyntax for other validation errors', () => {
    expect(appSyncValidationMessage(new GraphQLError('Something else.'))).toBe(
      'Validation error of type InvalidSyntax: Something else.',
    );
  });
});

describe('HTTP answers', () => {
  it('answers validation failures with 200, data null and AppSync-shaped errors', () => {
    const errors = validate(schema, parse('{ badfield }'));
    const answer = validationAnswer(errors);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      data: null,
      errors: [
        {
          message:
            "Validation error of type FieldUndefined: Field 'badfield' in type 'Query' is undefined @ 'badfield'",
          locations: [{ line: 1, column: 3, sourceName: null }],
          path: null,
        },
      ],
    });
  });

  it('answers request-level failures with a status and an errorType', () => {
    expect(malformedEmpty()).toEqual({
      status: 400,
      body: JSON.stringify({
        errors: [{ errorType: 'MalformedHttpRequestException', message: 'Request body is empty.' }],
      }),
      // AppSync names the error in a header too; Amplify reads it from there.
      headers: { 'x-amzn-errortype': 'MalformedHttpRequestException' },
    });
    expect(unauthorized().headers).toEqual({ 'x-amzn-errortype': 'UnauthorizedException' });
    expect(JSON.parse(unauthorized().body)).toEqual({
      errors: [{ errorType: 'UnauthorizedException', message: 'Valid authorization header not provided.' }],
    });
    expect(unauthorized().status).toBe(401);
  });

  it('lists an execution error with errorType, errorInfo, path and locations', () => {
    const error = new GraphQLError('City us-xyz not found', {
      path: ['city'],
      extensions: { errorType: 'NOT_FOUND', errorInfo: { code: 'RESOURCE.NOT_FOUND' } },
    });
    expect(executionErrorEntry(error)).toEqual({
      path: ['city'],
      data: null,
      errorType: 'NOT_FOUND',
      errorInfo: { code: 'RESOURCE.NOT_FOUND' },
      locations: [],
      message: 'City us-xyz not found',
    });
  });
});

/**
 * AppSync's HTTP answers, reproduced for the local gateway (see shared/architecture.md):
 * request-level failures are non-200 with `{ errors: [{ errorType, message }] }`; validation
 * failures are 200 with `data: null`; resolver failures are entries with errorType, errorInfo,
 * message, path and locations beside partial data.
 */
import type { GraphQLError } from 'graphql';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

export function requestError(status: number, errorType: string, message: string): HttpAnswer {
  return { status, body: JSON.stringify({ errors: [{ errorType, message }] }) };
}

export const malformedEmpty = () => requestError(400, 'MalformedHttpRequestException', 'Request body is empty.');
export const malformedQuery = () =>
  requestError(400, 'MalformedHttpRequestException', 'Unable to parse GraphQL query.');
export const unauthorized = (message = 'Valid authorization header not provided.') =>
  requestError(401, 'UnauthorizedException', message);
export const tooLarge = () => requestError(413, 'PayloadTooLargeException', 'Request body is too large.');

/** graphql-js validation messages rewritten the way AppSync words them. */
export function appSyncValidationMessage(error: GraphQLError): string {
  const undefinedField = /^Cannot query field "(\w+)" on type "(\w+)"\./.exec(error.message);
  if (undefinedField) {
    const [, fieldName, typeName] = undefinedField;
    return `Validation error of type FieldUndefined: Field '${fieldName}' in type '${typeName}' is undefined @ '${fieldName}'`;
  }
  if (/Expected value of type|Invalid .* value|cannot represent/.test(error.message))
    return `Validation error of type WrongType: ${error.message}`;
  if (/Unknown argument/.test(error.message)) return `Validation error of type UnknownArgument: ${error.message}`;
  if (/argument "\w+" of type .* is required, but it was not provided/.test(error.message))
    return `Validation error of type MissingFieldArgument: ${error.message}`;
  if (
    /Variable "\$\w+" of required type|Variable "\$\w+" got invalid value|Variable "\$\w+" of non-null type/.test(
      error.message,
    )
  )
    return `Validation error of type VariableTypeMismatch: ${error.message}`;
  if (/introspection/i.test(error.message)) return error.message;
  return `Validation error of type InvalidSyntax: ${error.message}`;
}

export function validationAnswer(errors: readonly GraphQLError[]): HttpAnswer {
  return {
    status: 200,
    body: JSON.stringify({
      data: null,
      errors: errors.map((error) => ({
        message: appSyncValidationMessage(error),
        locations:
          error.locations?.map((location) => ({ line: location.line, column: location.column, sourceName: null })) ??
          [],
        path: null,
      })),
    }),
  };
}

export function limitAnswer(errorType: string, message: string): HttpAnswer {
  return {
    status: 200,
    body: JSON.stringify({ data: null, errors: [{ errorType, message, locations: [], path: null }] }),
  };
}

/** An execution error as AppSync lists it beside the (partial) data. */
export function executionErrorEntry(error: GraphQLError) {
  const extensions = error.extensions as { errorType?: string; errorInfo?: unknown };
  return {
    path: error.path ?? null,
    data: null,
    errorType: extensions.errorType ?? null,
    errorInfo: extensions.errorInfo ?? null,
    locations:
      error.locations?.map((location) => ({ line: location.line, column: location.column, sourceName: null })) ?? [],
    message: error.message,
  };
}

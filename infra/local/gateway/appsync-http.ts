/**
 * AppSync's HTTP answers, reproduced for the local gateway (see shared/architecture.md):
 * request-level failures are non-200 with `{ errors: [{ errorType, message }] }`; validation
 * failures are 200 with `data: null`; resolver failures are entries with errorType, errorInfo,
 * message, path and locations beside partial data.
 */
import { BREAK, Kind, visit, type ASTNode, type DocumentNode, type GraphQLError } from 'graphql';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

/**
 * A request-level failure. AppSync names the error in the `x-amzn-ErrorType` header too, and
 * clients read it from there (AWS Amplify JS reports e.g. `UnauthorizedException` from it).
 */
export function requestError(status: number, errorType: string, message: string): HttpAnswer {
  return {
    status,
    body: JSON.stringify({ errors: [{ errorType, message }] }),
    headers: { 'x-amzn-errortype': errorType },
  };
}

export const malformedEmpty = () => requestError(400, 'MalformedHttpRequestException', 'Request body is empty.');
export const malformedQuery = () =>
  requestError(400, 'MalformedHttpRequestException', 'Unable to parse GraphQL query.');
export const unauthorized = (message = 'Valid authorization header not provided.') =>
  requestError(401, 'UnauthorizedException', message);
export const tooLarge = () => requestError(413, 'PayloadTooLargeException', 'Request body is too large.');

/**
 * Where in the document a validation error sits, as AppSync reports it: the field names from the
 * operation's root down to the offending field (or the field holding the offending argument),
 * joined with '/'. Inside a fragment the path starts at the fragment.
 */
export function appSyncQueryPath(document: DocumentNode | undefined, error: GraphQLError): string | undefined {
  const target = error.nodes?.[0];
  if (!document || !target) return undefined;
  const fields: string[] = [];
  let found: string | undefined;
  visit(document, {
    enter(node: ASTNode) {
      if (node.kind === Kind.FIELD) fields.push(node.name.value);
      if (node === target) {
        found = fields.join('/');
        return BREAK;
      }
      return undefined;
    },
    leave(node: ASTNode) {
      if (node.kind === Kind.FIELD) fields.pop();
    },
  });
  return found || undefined;
}

/** graphql-js validation messages rewritten the way AppSync words them, with its `@ 'field/path'`. */
export function appSyncValidationMessage(error: GraphQLError, document?: DocumentNode): string {
  const path = appSyncQueryPath(document, error);
  const at = (message: string) => (path ? `${message} @ '${path}'` : message);
  const undefinedField = /^Cannot query field "(\w+)" on type "(\w+)"\./.exec(error.message);
  if (undefinedField) {
    const [, fieldName, typeName] = undefinedField;
    return `Validation error of type FieldUndefined: Field '${fieldName}' in type '${typeName}' is undefined @ '${path ?? fieldName}'`;
  }
  if (/Expected value of type|Invalid .* value|cannot represent/.test(error.message))
    return at(`Validation error of type WrongType: ${error.message}`);
  if (/Unknown argument/.test(error.message)) return at(`Validation error of type UnknownArgument: ${error.message}`);
  if (/argument "\w+" of type .* is required, but it was not provided/.test(error.message))
    return at(`Validation error of type MissingFieldArgument: ${error.message}`);
  if (
    /Variable "\$\w+" of required type|Variable "\$\w+" got invalid value|Variable "\$\w+" of non-null type/.test(
      error.message,
    )
  )
    return at(`Validation error of type VariableTypeMismatch: ${error.message}`);
  if (/introspection/i.test(error.message)) return error.message;
  return at(`Validation error of type InvalidSyntax: ${error.message}`);
}

export function validationAnswer(errors: readonly GraphQLError[], document?: DocumentNode): HttpAnswer {
  return {
    status: 200,
    body: JSON.stringify({
      data: null,
      errors: errors.map((error) => ({
        message: appSyncValidationMessage(error, document),
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

/**
 * AppSync's per-field limit errors: the field answers null (bubbling like any field error) and
 * the resolvers under it never run.
 */
export const depthLimitErrorType = 'QueryDepthLimitReached';
export const resolverLimitErrorType = 'ResolverExecutionLimitReached';
export const depthLimitMessage = (limit: number) => `Query depth limit of ${limit} exceeded.`;
export const resolverLimitMessage = () => 'Resolver invocation limit reached.';

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

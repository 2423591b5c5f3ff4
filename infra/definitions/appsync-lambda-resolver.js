// AppSync JS resolver (APPSYNC_JS runtime) placed in front of every domain Lambda.
// The request forwards the same event a direct Lambda resolver would receive; the response turns
// the Lambda's error envelope into a GraphQL error with a stable errorType and errorInfo, which a
// bare direct resolver cannot do (it only exposes the runtime's error name).
// The local gateway reproduces exactly this contract (infra/local/gateway/dispatch.ts).
import { util } from '@aws-appsync/utils';

// Credentials never reach domain code: identity is already established from them.
const WITHHELD_HEADERS = ['authorization', 'x-api-key', 'cookie'];

function forwardedHeaders(headers) {
  const out = {};
  for (const name of Object.keys(headers || {})) {
    if (!WITHHELD_HEADERS.includes(name.toLowerCase())) out[name] = headers[name];
  }
  return out;
}

export function request(ctx) {
  return {
    operation: 'Invoke',
    payload: {
      arguments: ctx.arguments,
      identity: ctx.identity,
      source: ctx.source,
      info: {
        fieldName: ctx.info.fieldName,
        parentTypeName: ctx.info.parentTypeName,
        variables: ctx.info.variables,
        selectionSetList: ctx.info.selectionSetList,
      },
      request: { headers: forwardedHeaders(ctx.request.headers) },
    },
  };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, 'Lambda:Unhandled');
  }
  const result = ctx.result;
  if (result && result.error) {
    util.error(result.error.message, result.error.errorType, null, result.error.errorInfo);
  }
  return result ? result.data : null;
}

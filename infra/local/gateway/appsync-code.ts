/**
 * Runs an APPSYNC_JS resolver file (infra/definitions/appsync-*.js) as AppSync runs it on a NONE data
 * source: `request(ctx)` gives `{ payload }`, which becomes `ctx.result` for `response(ctx)`. The file is
 * the very one the CDK deploys; its one import, `@aws-appsync/utils`, is given the gateway's `util` and
 * `extensions`, and it runs in its own V8 context (APPSYNC_JS has no Node globals either).
 */
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';

export interface AppSyncCodeContext {
  readonly arguments: Record<string, unknown>;
  readonly identity: unknown;
  readonly info: { readonly fieldName: string; readonly parentTypeName: string };
  result?: unknown;
}

export interface AppSyncRuntime {
  readonly util: Record<string, unknown>;
  readonly extensions: Record<string, unknown>;
}

export interface AppSyncCodeResolver {
  request(ctx: AppSyncCodeContext): { payload?: unknown };
  response(ctx: AppSyncCodeContext): unknown;
}

const IMPORT = /^import\s*\{([^}]*)\}\s*from\s*['"]@aws-appsync\/utils['"];?\s*$/m;

export function loadAppSyncCode(file: string, runtime: AppSyncRuntime): AppSyncCodeResolver {
  const source = readFileSync(file, 'utf8');
  if (/^\s*import\s/m.test(source.replace(IMPORT, '')))
    throw new Error(`${file}: APPSYNC_JS code may import only from @aws-appsync/utils`);
  const body = source
    .replace(IMPORT, (_match, names: string) => `const {${names}} = __appsync;`)
    .replace(/^export\s+(function|const|let)\s/gm, '$1 ');
  const module = runInNewContext(`${body}\n;({ request, response });`, { __appsync: runtime }, { filename: file }) as
    AppSyncCodeResolver | undefined;
  if (typeof module?.request !== 'function' || typeof module.response !== 'function')
    throw new Error(`${file}: an APPSYNC_JS resolver exports request and response`);
  return module;
}

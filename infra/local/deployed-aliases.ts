/**
 * The module substitutions the Lambda bundles get (esbuild `--alias`, in
 * infra/cdk/constructs/rastup-function.construct.ts), applied to `npm start` (infra/local/start.ts)
 * and the test processes too (tests/support/deployed-aliases.ts), so the code run locally and
 * tested is the code we deploy. Node loads packages in node_modules itself (CommonJS `require`
 * here: node-ical -> rrule-temporal), so the substitution hooks Node's resolver, not Vite's aliases.
 *  - one Temporal polyfill: rrule-temporal's `@js-temporal/polyfill` becomes node-ical's
 *    `temporal-polyfill` (the same Temporal API).
 */
import Module from 'node:module';

export const deployedAliases: Readonly<Record<string, string>> = {
  '@js-temporal/polyfill': 'temporal-polyfill',
};

type Resolve = (request: string, ...rest: unknown[]) => string;
const resolver = Module as unknown as { _resolveFilename: Resolve };
const original = resolver._resolveFilename;
if (!(original as { rastupAliased?: boolean }).rastupAliased) {
  const aliased: Resolve = function (this: unknown, request, ...rest) {
    return original.call(this, deployedAliases[request] ?? request, ...rest);
  };
  (aliased as { rastupAliased?: boolean }).rastupAliased = true;
  resolver._resolveFilename = aliased;
}

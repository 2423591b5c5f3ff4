/**
 * The bundles' module substitutions, applied to the test processes (vitest setupFiles and the
 * integration global setup): the same hook `npm start` installs, from infra/local/deployed-aliases.ts.
 */
export { deployedAliases } from '../../infra/local/deployed-aliases.ts';

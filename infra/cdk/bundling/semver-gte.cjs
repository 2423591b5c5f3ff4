'use strict';
/**
 * The bundles' stand-in for `semver` (esbuild `--alias:semver`, rastup-function.construct.ts).
 * aws-xray-sdk-core, in every traced bundle, requires semver for one check when it patches an AWS
 * SDK v2 client: `semver.gte(awssdk.VERSION, minVersion)`. The full package is ~29 KB minified
 * (ranges, coercion, an LRU cache), enough to push the booking bundles over 1 MB. This is `gte`
 * with semver's strict parsing and SemVer 2.0.0 precedence, nothing more; semver-gte.test.ts
 * compares it with the real package and fails if a bundled module starts calling anything else.
 */

const MAX_LENGTH = 256;
// semver's strict FULL pattern (its "safe" form: bounded repetitions), captures: major, minor,
// patch, prerelease. Build metadata is matched but plays no part in precedence.
const NUM = '0|[1-9]\\d{0,255}';
const PRE_ID = `\\d{0,256}[a-zA-Z-][a-zA-Z0-9-]{0,250}|${NUM}`;
const BUILD_ID = '[a-zA-Z0-9-]{1,250}';
const FULL = new RegExp(
  `^v?(${NUM})\\.(${NUM})\\.(${NUM})` +
    `(?:-((?:${PRE_ID})(?:\\.(?:${PRE_ID}))*))?` +
    `(?:\\+(?:${BUILD_ID}(?:\\.${BUILD_ID})*))?$`,
);

function parse(version) {
  if (typeof version !== 'string') {
    throw new TypeError(`Invalid version. Must be a string. Got type "${typeof version}".`);
  }
  if (version.length > MAX_LENGTH) throw new TypeError(`version is longer than ${MAX_LENGTH} characters`);
  const m = version.trim().match(FULL);
  if (!m) throw new TypeError(`Invalid Version: ${version}`);
  const main = [+m[1], +m[2], +m[3]];
  if (main.some((n) => n > Number.MAX_SAFE_INTEGER)) throw new TypeError('Invalid version component');
  return { main, pre: m[4] ? m[4].split('.') : [] };
}

const numeric = /^[0-9]+$/;
function compareIdentifiers(a, b) {
  const anum = numeric.test(a);
  const bnum = numeric.test(b);
  if (anum && bnum) {
    const x = +a;
    const y = +b;
    return x === y ? 0 : x < y ? -1 : 1;
  }
  if (a === b) return 0;
  if (anum) return -1;
  if (bnum) return 1;
  return a < b ? -1 : 1;
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a.main[i] !== b.main[i]) return a.main[i] < b.main[i] ? -1 : 1;
  // A version with a prerelease ranks below the same version without one.
  if (a.pre.length && !b.pre.length) return -1;
  if (!a.pre.length && b.pre.length) return 1;
  for (let i = 0; ; i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === undefined && y === undefined) return 0;
    if (y === undefined) return 1;
    if (x === undefined) return -1;
    const c = compareIdentifiers(x, y);
    if (c !== 0) return c;
  }
}

function gte(a, b, options) {
  // Loose parsing and includePrerelease change results; no bundled caller passes options.
  if (options) throw new Error('semver stand-in: options are not supported (infra/cdk/bundling/semver-gte.cjs)');
  return compare(parse(a), parse(b)) >= 0;
}

module.exports = { gte };

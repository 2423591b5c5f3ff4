/**
 * `npm run bundles:check`, the CI gate beside the other static checks (.ci/run): builds every
 * Lambda entry as deployed (infra/cdk/bundling/bundle-sizes.ts, no CDK synth) and fails when a
 * bundle reaches 1 MB or contains a package one of the bundle aliases should have replaced.
 * Prints each bundle with its five largest contributors, so a failure says what grew.
 */
import { bundleLimitBytes, judgeBundles, kib, measureBundles, packagesNeverBundled } from '../bundling/bundle-sizes.ts';

const started = performance.now();
const sizes = (await measureBundles()).sort((a, b) => b.bytes - a.bytes);
for (const size of sizes) {
  const top = size.contributors
    .slice(0, 5)
    .map((c) => `${c.name} ${(c.bytes / 1024).toFixed(1)}`)
    .join(', ');
  console.log(`${kib(size.bytes).padStart(12)}  ${size.entry}\n${''.padStart(14)}${top}`);
}
const verdict = judgeBundles(sizes);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
for (const { bundle, packages } of verdict.unaliased)
  console.error(
    `${bundle.entry} bundles ${packages.join(', ')}, which the bundle aliases replace (packagesNeverBundled: ` +
      `${packagesNeverBundled.join(', ')}): see bundleAliases in infra/cdk/constructs/rastup-function.construct.ts`,
  );
if (verdict.over.length > 0)
  console.error(
    `At or over the ${kib(bundleLimitBytes)} limit: ${verdict.over.map((b) => `${b.entry} (${kib(b.bytes)})`).join(', ')}`,
  );
if (verdict.over.length > 0 || verdict.unaliased.length > 0) process.exitCode = 1;
else
  console.log(
    `${sizes.length} bundles, largest ${kib(sizes[0]!.bytes)}, all under ${kib(bundleLimitBytes)} (${seconds} s)`,
  );

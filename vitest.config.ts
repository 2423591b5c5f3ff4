import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const envWorkers = process.env.VITEST_MAX_WORKERS ? Number(process.env.VITEST_MAX_WORKERS) : undefined;

/**
 * Integration files that start stacks of their own (kill -9, restarts, `npm start`, fault proxies, the demo
 * seed) instead of using the shared one: a tier of their own, one file at a time (never two of these
 * stacks at once), without the shared stack's global setup. `npm test` runs this tier in a second vitest
 * process beside the unit+integration one (tests/support/run-tests.ts): within one process, vitest 4.1
 * runs two projects of one group that each set maxWorkers 1 one file at a time in all (docs/ci-time.md).
 */
const ownStackFiles = [
  'demo-seed',
  'fault-kill-outbox-webhooks',
  'fault-tcp-proxy',
  'fault-typesense-proxy',
  'hard-kill-durability',
  'local-state',
  'npm-start',
  'public-page-one-query',
  'restart',
].map((name) => `tests/integration/${name}.int.test.ts`);

// Two tiers: `unit` (beside the code, fakes of ports, no processes) and `integration`
// (tests/integration, one local stack started by the global setup and shared over HTTP).
export default defineConfig({
  test: {
    reporters: ['default'],
    // Worker counts are per tier (below) unless VITEST_MAX_WORKERS sets both. The integration tier keeps
    // vitest's default (cores - 1: one worker on a 2-core CI machine): more workers overlap its waits on
    // a quiet machine, but on a loaded 2-core machine the media pipeline and the child stacks then miss
    // their 60 s test timeouts.
    ...(envWorkers ? { maxWorkers: envWorkers } : {}),
    projects: [
      {
        test: {
          name: 'unit',
          // Its own group, run before the integration tier's (vitest runs groups one after another), on
          // every core: unit files start no processes, so the other files overlap the CDK file, whose
          // synthesis and cfn-guard lanes keep one core busy most of the time.
          sequence: { groupOrder: 0 },
          maxWorkers: envWorkers ?? availableParallelism(),
          // The bundles' module aliases (one Temporal polyfill), so tests run the code we deploy.
          setupFiles: ['tests/support/deployed-aliases.ts'],
          include: [
            'lambdas/**/*.test.ts',
            'infra/**/*.test.ts',
            'db/**/*.test.ts',
            'security/**/*.test.ts',
            'perf/**/*.test.ts',
            'sdk/**/*.test.ts',
            'tests/support/**/*.test.ts',
          ],
          exclude: ['**/node_modules/**', '**/*.int.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          // Vitest's default worker count (cores - 1) here: see maxWorkers above.
          sequence: { groupOrder: 1 },
          maxWorkers: envWorkers ?? Math.max(availableParallelism() - 1, 1),
          setupFiles: ['tests/support/deployed-aliases.ts'],
          include: ['tests/integration/**/*.int.test.ts'],
          exclude: ['**/node_modules/**', ...ownStackFiles],
          globalSetup: ['tests/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One stack, many files: files run in parallel workers against the same loopback stack.
          fileParallelism: true,
          // Files share their worker's module graph (the AWS SDK, graphql, the Lambda code they import) instead of
          // importing it afresh each: on 18 files alternated under the same load, vitest's import time 46.6 s ->
          // 21.4 s and the tier's CPU 112 -> 94 CPU-s, same results (docs/ci-time.md). These files change no
          // process-wide state that another relies on (no env writes, mocks or fake timers; each Amplify user
          // configures Amplify itself); the own-stack tier, whose files do change env, stays isolated.
          isolate: false,
        },
      },
      {
        test: {
          name: 'own-stack',
          // Same group as the shared-stack tier: a plain `vitest run` still runs every file (after that tier);
          // `npm test` runs this project in its own process beside it (see ownStackFiles).
          sequence: { groupOrder: 1 },
          maxWorkers: 1,
          setupFiles: ['tests/support/deployed-aliases.ts'],
          include: ownStackFiles,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

// Two tiers: `unit` (beside the code, fakes of ports, no processes) and `integration`
// (tests/integration, one local stack started by the global setup and shared over HTTP).
export default defineConfig({
  test: {
    reporters: ['default'],
    // Vitest's default (cores - 1: one worker on a 2-core CI machine) unless VITEST_MAX_WORKERS says
    // otherwise. More workers overlap the integration tier's waits on a quiet machine, but on a loaded
    // 2-core machine the media pipeline and the child stacks then miss their 60 s test timeouts.
    ...(process.env.VITEST_MAX_WORKERS ? { maxWorkers: Number(process.env.VITEST_MAX_WORKERS) } : {}),
    projects: [
      {
        test: {
          name: 'unit',
          // The bundles' module aliases (one Temporal polyfill), so tests run the code we deploy.
          setupFiles: ['tests/support/deployed-aliases.ts'],
          include: [
            'lambdas/**/*.test.ts',
            'infra/**/*.test.ts',
            'db/**/*.test.ts',
            'security/**/*.test.ts',
            'perf/**/*.test.ts',
            'sdk/**/*.test.ts',
          ],
          exclude: ['**/node_modules/**', '**/*.int.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          setupFiles: ['tests/support/deployed-aliases.ts'],
          include: ['tests/integration/**/*.int.test.ts'],
          globalSetup: ['tests/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One stack, many files: files run in parallel workers against the same loopback stack.
          fileParallelism: true,
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

// Two tiers: `unit` (beside the code, fakes of ports, no processes) and `integration`
// (tests/integration, one local stack started by the global setup and shared over HTTP).
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
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

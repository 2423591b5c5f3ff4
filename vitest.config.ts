import { defineConfig } from 'vitest/config';

// Two tiers: `unit` (beside the code, fakes of ports, no processes) and `integration`
// (tests/integration, one local stack started by the global setup and shared over HTTP).
export default defineConfig({
  test: {
    reporters: ['default'],
    // Vitest's default is one worker per core minus one: a single worker on a 2-core CI machine, so
    // every integration file waited on the stack's I/O in turn. The integration tier is mostly waiting
    // (on PostgreSQL, DynamoDB Local, child stacks starting), so a few more workers than cores overlap
    // those waits. VITEST_MAX_WORKERS overrides it for a slower or faster machine.
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS ?? 4),
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

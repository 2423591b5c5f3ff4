/**
 * Boundaries between the kernel, the adapters and the domains (architecture.md, decision 8).
 * `npm run lint:boundaries`; lambdas/core/boundaries.test.ts proves a violation fails.
 */
const DOMAIN = '^lambdas/(?!core/|adapters/)([^/]+)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-no-domain',
      comment: 'The kernel is shared by every domain; it imports none of them (nor adapters).',
      severity: 'error',
      from: { path: '^lambdas/core/' },
      to: { path: '^lambdas/(?!core/)' },
    },
    {
      name: 'core-imports-no-aws-sdk',
      comment: 'AWS SDK clients live in lambdas/adapters behind the ports in lambdas/core/ports.ts.',
      severity: 'error',
      from: { path: '^lambdas/core/' },
      to: { path: '@aws-sdk/' },
    },
    {
      name: 'adapters-import-no-domain',
      comment: 'Adapters implement kernel ports; what they need from a domain belongs in lambdas/core.',
      severity: 'error',
      from: { path: '^lambdas/adapters/' },
      to: { path: DOMAIN },
    },
    {
      name: 'domain-imports-other-domain-only-via-index',
      comment: 'A domain reaches another only through its public module lambdas/<domain>/index.ts.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: DOMAIN, pathNot: ['^lambdas/$1/', '^lambdas/[^/]+/index\\.ts$'] },
    },
    {
      name: 'lambdas-import-no-tests',
      comment: 'Shipped code never imports test support; only *.test.ts files beside it may (tests/support).',
      severity: 'error',
      from: { path: '^lambdas/', pathNot: '\\.test\\.ts$' },
      to: { path: '^tests/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only imports included.',
      severity: 'error',
      from: { path: '^lambdas/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};

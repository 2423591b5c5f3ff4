/**
 * The boundary rules (.dependency-cruiser.cjs, `npm run lint:boundaries`) catch what they promise:
 * deliberate violations are written as temporary files, cruised, expected to fail with the rule's
 * name, and removed.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tag = `boundary-probe-${process.pid}`;
const written: string[] = [];

function probe(path: string, source: string): string {
  const file = join(root, path.replace('PROBE', tag));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${source}\nexport const probe = 1;\n`);
  written.push(file);
  return file;
}

function cruise(files: readonly string[]): Promise<{ code: number; output: string }> {
  const bin = join(root, 'node_modules', '.bin', 'depcruise');
  return new Promise((done) => {
    execFile(
      bin,
      [
        '--config',
        '.dependency-cruiser.cjs',
        '--output-type',
        'err',
        ...files.map((file) => file.slice(root.length + 1)),
      ],
      { cwd: root, timeout: 120_000 },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

afterAll(() => {
  for (const file of written) rmSync(file, { force: true });
});

describe('dependency-cruiser boundaries', () => {
  it('fails on core importing a domain or the AWS SDK, an adapter importing a domain, a domain importing another’s internals, and a type-only cycle', async () => {
    const files = [
      probe(
        'lambdas/core/PROBE.ts',
        "import type { MediaRow } from '../media/media.repository.ts';\nexport type Row = MediaRow;\nimport { S3Client } from '@aws-sdk/client-s3';\nexport const client = S3Client;",
      ),
      probe(
        'lambdas/adapters/PROBE.ts',
        "import type { MediaCatalog } from '../media/index.ts';\nexport type Catalog = MediaCatalog;",
      ),
      probe(
        'lambdas/profiles/PROBE.ts',
        "import { MediaRepository } from '../media/media.repository.ts';\nexport const Repo = MediaRepository;",
      ),
      probe(
        'lambdas/search/PROBE-testing.ts',
        "import { startTypesenseFake } from '../../tests/support/typesense-fake.ts';\nexport const fake = startTypesenseFake;",
      ),
      probe('lambdas/platform/PROBE-a.ts', `import type { B } from './${tag}-b.ts';\nexport type A = { b?: B };`),
      probe('lambdas/platform/PROBE-b.ts', `import type { A } from './${tag}-a.ts';\nexport type B = { a?: A };`),
    ];
    const { code, output } = await cruise(files);
    expect(code).not.toBe(0);
    for (const rule of [
      'core-imports-no-domain',
      'core-imports-no-aws-sdk',
      'adapters-import-no-domain',
      'domain-imports-other-domain-only-via-index',
      'lambdas-import-no-tests',
      'no-circular',
    ])
      expect(output).toContain(rule);
  });

  it('lets a domain import another through its index.ts, and itself freely', async () => {
    const files = [
      probe(
        'lambdas/profiles/PROBE-ok.ts',
        "import { mediaCatalog } from '../media/index.ts';\nimport { slugify } from './profile.service.ts';\nexport const ok = [mediaCatalog, slugify];",
      ),
    ];
    const { code, output } = await cruise(files);
    expect(output).not.toContain('domain-imports-other-domain-only-via-index');
    expect(code).toBe(0);
  });
});

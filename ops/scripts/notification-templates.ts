/**
 * `npm run notifications:templates`: compiles the notification email layout from MJML
 * (lambdas/notifications/templates/layout.mjml) to HTML in layout.compiled.ts, so the Lambda
 * carries the rendered layout and no MJML compiler. A unit test fails when the file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileLayout } from '../../lambdas/notifications/templates/compile.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../lambdas/notifications/templates');
const source = readFileSync(join(dir, 'layout.mjml'), 'utf8');
writeFileSync(join(dir, 'layout.compiled.ts'), await compileLayout(source));
console.log(`wrote ${join(dir, 'layout.compiled.ts')}`);

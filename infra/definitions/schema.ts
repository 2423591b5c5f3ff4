/**
 * Loads graphql/*.graphql into one SDL document. Domain files use `extend type Query`; AppSync
 * wants a single document, so the extensions are merged here (directives preserved) and both the
 * CDK api stack and the local gateway consume the merged text.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeTypeDefs } from '@graphql-tools/merge';
import { print } from 'graphql';

export const graphqlDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'graphql');

export function loadSchemaSdl(dir = graphqlDir): string {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.graphql'))
    .sort();
  const sources = files.map((name) => readFileSync(join(dir, name), 'utf8'));
  const merged = mergeTypeDefs(sources, {
    useSchemaDefinition: true,
    throwOnConflict: true,
    sort: false,
  });
  return print(merged);
}

/**
 * The event catalog as JSON Schema (draft 2020-12), for the readers outside this codebase: the
 * search indexer's and analytics' pipelines, partner webhook documentation. `npm run events:schema`
 * writes lambdas/core/events/catalog.schema.json; a unit test fails when the committed file is stale.
 */
import { eventCatalog } from './catalog.ts';

export function eventCatalogJsonSchema() {
  return eventCatalog.jsonSchema({
    id: 'https://schemas.rastup.com/events/catalog.schema.json',
    title: 'RastUp domain events',
    description:
      'Every event of the transactional outbox, one definition per type and payload version (`<type>.v<version>`), ' +
      'as relayed to EventBridge (the `detail` of each event). Consumers ignore payload fields they do not know; ' +
      'older versions are `deprecated` and stay defined while partner webhooks ship them.',
  });
}

if (process.argv[1]?.endsWith('catalog.json-schema.ts')) {
  const { writeFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const target = fileURLToPath(new URL('./catalog.schema.json', import.meta.url));
  writeFileSync(target, `${JSON.stringify(eventCatalogJsonSchema(), null, 2)}\n`);
  console.log(`wrote ${target}`);
}

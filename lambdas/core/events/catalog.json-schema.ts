/**
 * The event catalog as JSON Schema (draft 2020-12), for the readers outside this codebase: the
 * search indexer's and analytics' pipelines, partner webhook documentation. `npm run events:schema`
 * writes lambdas/core/events/catalog.schema.json; a unit test fails when the committed file is stale.
 */
import * as z from 'zod';
import { eventCatalog } from './catalog.ts';
import { eventEnvelopeSchema, type EventCatalog, type AnyEventDefinition } from './event-contract.ts';

interface SchemaDocument {
  readonly id: string;
  readonly title: string;
  readonly description: string;
}

/**
 * Any catalog as one JSON Schema (draft 2020-12): `$defs` holds every (type, version) envelope,
 * `oneOf` accepts any of them; older versions are marked `deprecated`. Kept out of the catalog's
 * runtime module on purpose: zod's JSON Schema converter (and the locales it drags in) would triple
 * the zod share of every Lambda bundle, and no Lambda needs it.
 */
export function catalogJsonSchema(
  catalog: Pick<EventCatalog<Record<string, AnyEventDefinition>>, 'allDefinitions'>,
  document: SchemaDocument,
) {
  const defs: Record<string, unknown> = {};
  const { version: _version, payload: _payload, type: _type, ...envelopeFields } = eventEnvelopeSchema.shape;
  for (const definition of catalog.allDefinitions) {
    for (const { version, payload } of definition.versions) {
      const envelope = z.object({
        ...envelopeFields,
        type: z.literal(definition.type),
        version: z.literal(version),
        payload,
      });
      // Input mode: objects stay open (no `additionalProperties: false`), as readers must ignore
      // fields they do not know.
      const { $schema: _schema, ...schema } = z.toJSONSchema(envelope, { target: 'draft-2020-12', io: 'input' });
      defs[`${definition.type}.v${version}`] = {
        title: `${definition.type} v${version}`,
        description: definition.description,
        ...schema,
        ...(version < definition.currentVersion ? { deprecated: true } : {}),
      };
    }
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: document.id,
    title: document.title,
    description: document.description,
    oneOf: Object.keys(defs).map((key) => ({ $ref: `#/$defs/${key}` })),
    $defs: defs,
  };
}

export function eventCatalogJsonSchema() {
  return catalogJsonSchema(eventCatalog, {
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

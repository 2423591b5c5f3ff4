/**
 * JSON-LD expansion offline: the documents use "@context": "https://schema.org", which a processor
 * would fetch. Tests have no network, so the loader serves a pinned stand-in for that one URL:
 * schema.org's published context maps every term into https://schema.org/ via @vocab, which is
 * all these documents rely on. Any other URL is refused, so nothing silently resolves.
 */
import jsonld from 'jsonld';

const SCHEMA_ORG_CONTEXT = { '@context': { '@vocab': 'https://schema.org/', id: '@id', type: '@type' } };

const documentLoader = async (url: string) => {
  if (/^https?:\/\/schema\.org\/?$/.test(url))
    return { contextUrl: undefined, documentUrl: url, document: SCHEMA_ORG_CONTEXT };
  throw new Error(`offline document loader refuses ${url}`);
};

export async function expandJsonLd(document: unknown): Promise<any[]> {
  return jsonld.expand(document as never, { documentLoader: documentLoader }) as Promise<any[]>;
}

/** Every @type anywhere in an expanded document. */
export function expandedTypes(expanded: unknown): string[] {
  const types: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '@type') types.push(...(value as string[]));
        else walk(value);
      }
    }
  };
  walk(expanded);
  return types;
}

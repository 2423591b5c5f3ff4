/**
 * A loopback server speaking Typesense's HTTP API (typesense/typesense-api-spec, openapi.yml) for
 * the calls lambdas/search/typesense-search.adapter.ts makes through the official `typesense`
 * client: collections, aliases, synonyms, documents import (JSONL, action=upsert) and delete by
 * filter, and search with q/query_by/filter_by/sort_by/offset/limit and geo radius, authenticated
 * by `X-TYPESENSE-API-KEY` with the admin key or a scoped search key (base64 of the HMAC-SHA256
 * digest, the parent key's first 4 characters and the embedded parameters; the embedded filter_by
 * is ANDed into the query's, as Typesense does). Typesense itself cannot be installed here (no
 * server binary in npm or Debian). Semantics are simplified where the adapter does not depend on
 * them: ranking is a token-match score, typo tolerance is an edit distance ≤ num_typos on tokens of
 * 4+ characters. Test hooks: `setLatency(ms)` and `setDown(true)` (503) for the circuit breaker.
 * Never part of any AWS stage.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Doc = Record<string, unknown> & { id: string };
interface Field {
  name: string;
  type: string;
  optional?: boolean;
  index?: boolean;
}
interface Collection {
  name: string;
  fields: Field[];
  docs: Map<string, Doc>;
  synonyms: Map<string, string[]>;
  created_at: number;
}

export interface RunningTypesenseFake {
  readonly url: string;
  readonly adminKey: string;
  setLatency(ms: number): void;
  setDown(down: boolean): void;
  /** Documents of the collection an alias (or name) points at, for assertions. */
  documents(collectionOrAlias: string): Doc[];
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const unquote = (value: string) => value.trim().replace(/^`(.*)`$/s, '$1');

function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '`') quoted = !quoted;
    if (!quoted && (char === '(' || char === '[')) depth++;
    if (!quoted && (char === ')' || char === ']')) depth--;
    if (!quoted && depth === 0 && text.startsWith(separator, i)) {
      parts.push(current);
      current = '';
      i += separator.length - 1;
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter(Boolean);
}

function haversineMeters(a: [number, number], b: [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[0] - a[0]) * rad;
  const dLng = (b[1] - a[1]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}

function equals(actual: unknown, expected: string): boolean {
  if (Array.isArray(actual)) return actual.some((item) => equals(item, expected));
  if (typeof actual === 'boolean') return String(actual) === expected;
  if (typeof actual === 'number') return actual === Number(expected);
  return actual === expected;
}

/** One filter_by clause as a predicate (the forms the adapter sends, plus plain comparisons). */
function clause(text: string): (doc: Doc) => boolean {
  const match = /^([A-Za-z_][A-Za-z0-9_]*):(.*)$/s.exec(text);
  if (!match) throw new HttpError(400, `Could not parse the filter query: ${text}`);
  const [, field, rest] = match as unknown as [string, string, string];
  const body = rest.trim();
  const geo = /^\(\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*,\s*([\d.]+)\s*(km|mi)\s*\)$/.exec(body);
  if (geo) {
    const radius = Number(geo[3]) * (geo[4] === 'mi' ? 1609.34 : 1000);
    const origin: [number, number] = [Number(geo[1]), Number(geo[2])];
    return (doc) => {
      const point = doc[field];
      return Array.isArray(point) && haversineMeters(origin, point as [number, number]) <= radius;
    };
  }
  const comparison = /^(>=|<=|>|<|=|!=)?\s*(.*)$/s.exec(body)!;
  const operator = comparison[1] ?? '=';
  const value = comparison[2]!.trim();
  if (value.startsWith('[') && value.endsWith(']')) {
    const options = splitTopLevel(value.slice(1, -1), ',').map(unquote);
    return (doc) => options.some((option) => equals(doc[field], option));
  }
  const literal = unquote(value);
  const number = Number(literal);
  switch (operator) {
    case '>=':
      return (doc) => typeof doc[field] === 'number' && doc[field] >= number;
    case '<=':
      return (doc) => typeof doc[field] === 'number' && doc[field] <= number;
    case '>':
      return (doc) => typeof doc[field] === 'number' && doc[field] > number;
    case '<':
      return (doc) => typeof doc[field] === 'number' && doc[field] < number;
    case '!=':
      return (doc) => doc[field] !== undefined && !equals(doc[field], literal);
    default:
      return (doc) => doc[field] !== undefined && equals(doc[field], literal);
  }
}

export function parseFilter(filter: string | undefined): (doc: Doc) => boolean {
  if (!filter?.trim()) return () => true;
  if (/\|\|/.test(filter)) throw new HttpError(400, 'This fake does not support || in filter_by');
  const predicates = splitTopLevel(filter, '&&').map((part) =>
    /^\(.*\)$/s.test(part) && !/^\(\s*-?[\d.]+\s*,/.test(part) ? parseFilter(part.slice(1, -1)) : clause(part),
  );
  return (doc) => predicates.every((predicate) => predicate(doc));
}

function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

const tokens = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value])
    .filter((item): item is string => typeof item === 'string')
    .flatMap((item) => item.toLowerCase().split(/[^\p{L}\p{N}]+/u))
    .filter(Boolean);

function validate(collection: Collection, doc: unknown): Doc {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new HttpError(400, 'Bad JSON.');
  const record = doc as Record<string, unknown>;
  if (typeof record.id !== 'string') throw new HttpError(400, 'Document `id` must be a string.');
  for (const field of collection.fields) {
    const value = record[field.name];
    if (value === undefined || value === null) {
      if (!field.optional)
        throw new HttpError(
          400,
          `Field \`${field.name}\` has been declared in the schema, but is not found in the document.`,
        );
      continue;
    }
    const ok =
      (field.type === 'string' && typeof value === 'string') ||
      (field.type === 'string[]' && Array.isArray(value) && value.every((item) => typeof item === 'string')) ||
      ((field.type === 'int32' || field.type === 'int64' || field.type === 'float') && typeof value === 'number') ||
      (field.type === 'bool' && typeof value === 'boolean') ||
      (field.type === 'geopoint' &&
        Array.isArray(value) &&
        value.length === 2 &&
        value.every((n) => typeof n === 'number'));
    if (!ok) throw new HttpError(400, `Field \`${field.name}\` must be a ${field.type}.`);
  }
  return record as Doc;
}

export async function startTypesenseFake(options: { adminKey?: string } = {}): Promise<RunningTypesenseFake> {
  const adminKey = options.adminKey ?? 'local-typesense-admin-key';
  const collections = new Map<string, Collection>();
  const aliases = new Map<string, string>();
  let latency = 0;
  let down = false;

  const resolve = (name: string): Collection => {
    const collection = collections.get(aliases.get(name) ?? name);
    if (!collection) throw new HttpError(404, `Not found.`);
    return collection;
  };

  /** The admin key, or a scoped key derived from it: returns the embedded parameters. */
  const authenticate = (key: string | undefined, searchOnly: boolean): Record<string, unknown> => {
    if (!key) throw new HttpError(401, 'Forbidden - a valid `x-typesense-api-key` header must be sent.');
    if (key === adminKey) return {};
    const raw = Buffer.from(key, 'base64').toString('utf8');
    const digest = raw.slice(0, 44);
    const prefix = raw.slice(44, 48);
    const params = raw.slice(48);
    const expected = createHmac('sha256', adminKey).update(params).digest('base64');
    const valid =
      prefix === adminKey.slice(0, 4) &&
      digest.length === expected.length &&
      timingSafeEqual(Buffer.from(digest), Buffer.from(expected));
    if (!valid || !searchOnly)
      throw new HttpError(401, 'Forbidden - a valid `x-typesense-api-key` header must be sent.');
    try {
      return JSON.parse(params) as Record<string, unknown>;
    } catch {
      throw new HttpError(401, 'Forbidden - a valid `x-typesense-api-key` header must be sent.');
    }
  };

  // A scoped key's embedded parameters arrive as JSON values; Typesense reads them as query-string text.
  const scalar = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  const search = (collection: Collection, params: URLSearchParams, embedded: Record<string, unknown>) => {
    const get = (name: string) =>
      embedded[name] !== undefined && name !== 'filter_by' ? scalar(embedded[name]) : (params.get(name) ?? undefined);
    const filters = [params.get('filter_by'), typeof embedded.filter_by === 'string' ? embedded.filter_by : null]
      .filter((filter): filter is string => !!filter)
      .map((filter) => `(${filter})`)
      .join(' && ');
    // As Typesense: a filter on a field the schema does not index is refused, not ignored.
    for (const part of splitTopLevel(params.get('filter_by') ?? '', '&&')) {
      const name = /^\s*\(*\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/.exec(part)?.[1];
      const field = collection.fields.find((candidate) => candidate.name === name);
      if (name && name !== 'id' && (!field || field.index === false))
        throw new HttpError(404, `Could not find a filter field named \`${name}\` in the schema.`);
    }
    const accept = parseFilter(filters);
    const q = get('q') ?? '';
    const queryBy = (get('query_by') ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    if (q !== '*' && queryBy.length === 0) throw new HttpError(400, 'Parameter `query_by` is required.');
    const weights = (get('query_by_weights') ?? '').split(',').filter(Boolean).map(Number);
    const numTypos = Number(get('num_typos') ?? 2);
    const synonymSets = [...collection.synonyms.values()];
    const queryTokens = q === '*' ? [] : tokens(q);
    const alternatives = queryTokens.map((token) => [
      token,
      ...synonymSets
        .filter((set) => set.includes(token))
        .flat()
        .filter((word) => word !== token && !word.includes(' ')),
    ]);
    const scored: { doc: Doc; textMatch: number; distance?: number }[] = [];
    for (const doc of collection.docs.values()) {
      if (!accept(doc)) continue;
      let textMatch = 0;
      let matchedAll = true;
      for (const options of alternatives) {
        let best = 0;
        queryBy.forEach((field, index) => {
          const weight = Number.isFinite(weights[index]) ? weights[index]! : 1;
          for (const word of tokens(doc[field]))
            for (const option of options) {
              const typos = option.length >= 7 ? Math.min(numTypos, 2) : option.length >= 4 ? Math.min(numTypos, 1) : 0;
              const points =
                word === option
                  ? 3
                  : word.startsWith(option)
                    ? 2
                    : typos > 0 && editDistance(word, option, typos) <= typos
                      ? 1
                      : 0;
              best = Math.max(best, points * weight);
            }
        });
        if (best === 0) matchedAll = false;
        textMatch += best;
      }
      if (matchedAll) scored.push({ doc, textMatch });
    }
    const sortBy = (get('sort_by') ?? '_text_match:desc')
      .split(/,(?![^(]*\))/)
      .map((part) => part.trim())
      .filter(Boolean);
    if (sortBy.length > 3) throw new HttpError(400, 'Only upto 3 sort_by fields can be specified.');
    const keys = sortBy.map((part) => {
      const geo = /^(\w+)\(\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\):(asc|desc)$/.exec(part);
      if (geo) {
        const origin: [number, number] = [Number(geo[2]), Number(geo[3])];
        for (const hit of scored) {
          const point = hit.doc[geo[1]!];
          hit.distance = Array.isArray(point) ? haversineMeters(origin, point as [number, number]) : undefined;
        }
        return { value: (hit: (typeof scored)[number]) => hit.distance, desc: geo[4] === 'desc' };
      }
      const [field, direction] = part.split(':') as [string, string | undefined];
      return {
        value: (hit: (typeof scored)[number]) => (field === '_text_match' ? hit.textMatch : hit.doc[field]),
        desc: direction === 'desc',
      };
    });
    scored.sort((a, b) => {
      for (const key of keys) {
        const x = key.value(a);
        const y = key.value(b);
        if (x === y) continue;
        if (x === undefined || x === null) return 1;
        if (y === undefined || y === null) return -1;
        const order = (x as number) < (y as number) ? -1 : 1;
        return key.desc ? -order : order;
      }
      return 0;
    });
    const perPage = Number(get('limit') ?? get('per_page') ?? 10);
    const offset = get('offset') !== undefined ? Number(get('offset')) : (Number(get('page') ?? 1) - 1) * perPage;
    const page = scored.slice(offset, offset + perPage);
    return {
      facet_counts: [],
      found: scored.length,
      out_of: collection.docs.size,
      page: Math.floor(offset / Math.max(perPage, 1)) + 1,
      request_params: { collection_name: collection.name, q, per_page: perPage },
      search_time_ms: 0,
      hits: page.map((hit) => ({
        document: hit.doc,
        highlights: [],
        text_match: hit.textMatch,
        ...(hit.distance !== undefined ? { geo_distance_meters: { location: Math.round(hit.distance) } } : {}),
      })),
    };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const key = request.headers['x-typesense-api-key'] as string | undefined;
    const method = request.method ?? 'GET';
    const send = (status: number, body: unknown, type = 'application/json; charset=utf-8') => {
      response.writeHead(status, { 'content-type': type });
      response.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (latency) await new Promise((resolve) => setTimeout(resolve, latency));
    if (down) return send(503, { message: 'Not Ready or Lagging' });
    if (path[0] === 'health') return send(200, { ok: true });
    const isSearch = method === 'GET' && path[0] === 'collections' && path[2] === 'documents' && path[3] === 'search';
    const embedded = authenticate(key, isSearch);

    if (path[0] === 'aliases' && path[1]) {
      if (method === 'PUT') {
        const body = JSON.parse(await readBody(request)) as { collection_name?: string };
        if (!body.collection_name || !collections.has(body.collection_name))
          throw new HttpError(404, `Collection not found.`);
        aliases.set(path[1], body.collection_name);
        return send(200, { name: path[1], collection_name: body.collection_name });
      }
      const target = aliases.get(path[1]);
      if (!target) throw new HttpError(404, 'Not Found');
      return send(200, { name: path[1], collection_name: target });
    }
    if (path[0] !== 'collections') throw new HttpError(404, 'Not Found');
    if (path.length === 1 && method === 'POST') {
      const schema = JSON.parse(await readBody(request)) as { name?: string; fields?: Field[] };
      if (!schema.name || !Array.isArray(schema.fields)) throw new HttpError(400, 'Bad collection schema.');
      if (collections.has(schema.name))
        throw new HttpError(409, `A collection with name \`${schema.name}\` already exists.`);
      const collection: Collection = {
        name: schema.name,
        fields: schema.fields,
        docs: new Map(),
        synonyms: new Map(),
        created_at: Math.floor(Date.now() / 1000),
      };
      collections.set(schema.name, collection);
      return send(201, { ...schema, num_documents: 0, created_at: collection.created_at });
    }
    if (path.length === 2 && method === 'DELETE') {
      // Dropping a collection by its own name (Typesense does not drop through an alias).
      const dropped = collections.get(path[1]!);
      if (!dropped) throw new HttpError(404, `No collection with name \`${path[1]}\` found.`);
      collections.delete(dropped.name);
      return send(200, { name: dropped.name, fields: dropped.fields, num_documents: dropped.docs.size });
    }
    const collection = resolve(path[1]!);
    if (path.length === 2 && method === 'GET')
      return send(200, { name: collection.name, fields: collection.fields, num_documents: collection.docs.size });
    if (path[2] === 'synonyms' && path[3] && method === 'PUT') {
      const body = JSON.parse(await readBody(request)) as { synonyms?: string[] };
      if (!Array.isArray(body.synonyms)) throw new HttpError(400, 'Could not find a valid string array of `synonyms`');
      collection.synonyms.set(
        path[3],
        body.synonyms.map((word) => word.toLowerCase()),
      );
      return send(200, { id: path[3], synonyms: body.synonyms });
    }
    if (path[2] !== 'documents') throw new HttpError(404, 'Not Found');
    if (isSearch) return send(200, search(collection, url.searchParams, embedded));
    if (path[3] === 'import' && method === 'POST') {
      const action = url.searchParams.get('action') ?? 'create';
      const lines = (await readBody(request)).split('\n').filter((line) => line.trim());
      const results = lines.map((line) => {
        try {
          const doc = validate(collection, JSON.parse(line));
          if (action === 'create' && collection.docs.has(doc.id))
            return { success: false, error: 'A document with id already exists.', document: line, code: 409 };
          collection.docs.set(doc.id, doc);
          return { success: true };
        } catch (error) {
          return { success: false, error: (error as Error).message, document: line, code: 400 };
        }
      });
      return send(200, results.map((result) => JSON.stringify(result)).join('\n'), 'text/plain; charset=utf-8');
    }
    if (path.length === 3 && method === 'DELETE') {
      const filter = url.searchParams.get('filter_by');
      if (!filter) throw new HttpError(400, 'Parameter `filter_by` must be provided.');
      const accept = parseFilter(filter);
      let deleted = 0;
      for (const [id, doc] of collection.docs)
        if (accept(doc)) {
          collection.docs.delete(id);
          deleted++;
        }
      return send(200, { num_deleted: deleted });
    }
    if (path.length === 4 && method === 'DELETE') {
      const doc = collection.docs.get(path[3]!);
      if (!doc) throw new HttpError(404, `Could not find a document with id: ${path[3]}`);
      collection.docs.delete(path[3]!);
      return send(200, doc);
    }
    throw new HttpError(404, 'Not Found');
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 400;
      if (!response.headersSent) response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify({ message: error instanceof Error ? error.message : 'Bad request' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    adminKey,
    setLatency: (ms) => (latency = ms),
    setDown: (value) => (down = value),
    documents: (name) => [...resolve(name).docs.values()],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The Typesense side of the search domain's tests, set up once for every file that needs it: the
 * loopback server speaking Typesense's HTTP API (tests/support/typesense-fake.ts), the adapter under
 * test pointed at it, and the official `typesense` client for assertions made the way an operator
 * would (aliases, collections, scoped keys).
 */
import { Client } from 'typesense';
import { startTypesenseFake, type RunningTypesenseFake } from './typesense-fake.ts';
import { TypesenseSearchAdapter } from '../../lambdas/search/typesense-search.adapter.ts';

export interface TypesenseTestbed {
  readonly fake: RunningTypesenseFake;
  readonly adapter: TypesenseSearchAdapter;
  /** The official client against the fake, with the admin key unless another (a scoped key) is given. */
  client(apiKey?: string): Client;
  close(): Promise<void>;
}

/** `timeoutMs`: the adapter's request timeout (what the circuit breaker counts as slow). */
export async function startTypesenseTestbed(options: { timeoutMs: number }): Promise<TypesenseTestbed> {
  const fake = await startTypesenseFake();
  const adapter = new TypesenseSearchAdapter({
    nodes: [fake.url],
    adminKey: fake.adminKey,
    searchKey: fake.adminKey,
    timeoutMs: options.timeoutMs,
  });
  return {
    fake,
    adapter,
    client: (apiKey = fake.adminKey) => new Client({ nodes: [{ url: fake.url }], apiKey, logLevel: 'silent' }),
    close: () => fake.close(),
  };
}

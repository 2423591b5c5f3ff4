import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventCatalog } from '../../lambdas/core/events/catalog.ts';
import type { EventDispatcher } from '../../lambdas/core/events/dispatcher.ts';
import { domains, eventConsumers, type DomainName } from './domains.ts';

const rootDir = join(import.meta.dirname, '..', '..');
const consumingDomains = [...new Set(eventConsumers.map((consumer) => consumer.domain))];

async function dispatcherOf(domain: DomainName): Promise<EventDispatcher | undefined> {
  const module = (await import(pathToFileURL(join(rootDir, domains[domain].entry)).href)) as {
    events?: EventDispatcher;
  };
  return module.events;
}

describe('event consumers (infra/definitions eventConsumers)', () => {
  it('subscribe only to event types of the catalog', () => {
    for (const consumer of eventConsumers)
      for (const type of consumer.eventTypes) expect(eventCatalog.has(type), `${consumer.name}: ${type}`).toBe(true);
  });

  it.each(consumingDomains)(
    '%s routes exactly the event types its queues subscribe to (nothing unrouted, no dead route)',
    async (domain) => {
      const dispatcher = await dispatcherOf(domain);
      expect(dispatcher, `${domains[domain].entry} must export its events dispatcher`).toBeDefined();
      const subscribed = new Set(eventConsumers.filter((c) => c.domain === domain).flatMap((c) => c.eventTypes));
      expect([...dispatcher!.types].sort()).toEqual([...subscribed].sort());
    },
  );
});

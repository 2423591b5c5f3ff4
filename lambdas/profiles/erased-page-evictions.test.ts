/**
 * ErasedPageEvictions with a fake of its store and of the eviction port: a failed eviction keeps the
 * pending row and throws (so the queue redelivers), and a row is deleted only once its page is evicted.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../core/ids.ts';
import { fake } from '../core/testing/fakes.ts';
import { ErasedPageEvictions } from './erased-page-evictions.ts';
import type { PageEvictionStore, PendingPageEviction } from './page-eviction.repository.ts';

function setup() {
  const profileId = newId('profile');
  const pending = new Map<string, PendingPageEviction>([
    ['ava-portraits', { slug: 'ava-portraits', recorded_at: new Date() }],
  ]);
  const pageEvictions = fake<PageEvictionStore>('page evictions', {
    pendingFor: async (kind, listingId) => (kind === 'PROFILE' && listingId === profileId ? [...pending.values()] : []),
    remove: async (_kind, slug) => void pending.delete(slug),
  });
  const log: string[] = [];
  let failures = 0;
  const eviction = {
    evict: async (kind: string, slug: string) => {
      if (failures > 0) {
        failures--;
        throw new Error('AppSync unreachable');
      }
      log.push(`evict ${kind}:${slug}`);
    },
  };
  const service = new ErasedPageEvictions({ pageEvictions }, eviction);
  return { service, pending, log, profileId, failWith: (n: number) => (failures = n) };
}

describe('ErasedPageEvictions.onListingErased', () => {
  it('evicts the former slug, then deletes the pending row', async () => {
    const { service, pending, log, profileId } = setup();
    await service.onListingErased('PROFILE', profileId);
    expect(log).toEqual(['evict PROFILE:ava-portraits']);
    expect(pending.size).toBe(0);
  });

  it('a failed eviction throws and keeps the row; the redelivery evicts and deletes it', async () => {
    const { service, pending, log, profileId, failWith } = setup();
    failWith(1);
    await expect(service.onListingErased('PROFILE', profileId)).rejects.toThrow('AppSync unreachable');
    expect(pending.size).toBe(1);
    expect(log).toEqual([]);
    await service.onListingErased('PROFILE', profileId);
    expect(pending.size).toBe(0);
    expect(log).toEqual(['evict PROFILE:ava-portraits']);
  });

  it('nothing pending (a listing erased before this change, or a redelivery after the rows went): no eviction', async () => {
    const { service, log } = setup();
    await service.onListingErased('PROFILE', newId('profile'));
    expect(log).toEqual([]);
  });
});

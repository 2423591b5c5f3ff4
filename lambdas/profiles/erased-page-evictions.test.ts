/**
 * ErasedPageEvictions with a fake of its store and of the eviction port: a failed eviction keeps the
 * pending row and throws (so the queue redelivers), a row is deleted only once its page is evicted,
 * and a page is evicted again once a read that started before the erasure's commit has ended.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import { fake } from '../core/testing/fakes.ts';
import { ErasedPageEvictions, FILL_SETTLE_MS } from './erased-page-evictions.ts';
import type { PageEvictionStore, PendingPageEviction } from './page-eviction.repository.ts';

const NOW = Date.UTC(2026, 11, 1, 12);

function setup(recordedAt = new Date(NOW)) {
  const profileId = newId('profile');
  const pending = new Map<string, PendingPageEviction>([
    ['ava-portraits', { slug: 'ava-portraits', recorded_at: recordedAt }],
  ]);
  const pageEvictions = fake<PageEvictionStore>('page evictions', {
    pendingFor: async (kind, listingId) => (kind === 'PROFILE' && listingId === profileId ? [...pending.values()] : []),
    remove: async (_kind, slug) => void pending.delete(slug),
  });
  const clock = new ManualClock(NOW);
  const log: string[] = [];
  let failures = 0;
  const eviction = {
    evict: async (kind: string, slug: string) => {
      if (failures > 0) {
        failures--;
        throw new Error('AppSync unreachable');
      }
      log.push(`evict ${kind}:${slug} @${clock.nowMs() - NOW}`);
    },
  };
  const sleep = async (ms: number) => {
    log.push(`sleep ${ms}`);
    clock.advance(ms);
  };
  const service = new ErasedPageEvictions({ pageEvictions }, eviction, clock, sleep);
  return { service, pending, log, profileId, clock, failWith: (n: number) => (failures = n) };
}

describe('ErasedPageEvictions.onListingErased', () => {
  it('evicts the former slug, again after the fill window, then deletes the pending row', async () => {
    const { service, pending, log, profileId } = setup();
    await service.onListingErased('PROFILE', profileId);
    expect(log).toEqual([
      'evict PROFILE:ava-portraits @0',
      `sleep ${FILL_SETTLE_MS}`,
      `evict PROFILE:ava-portraits @${FILL_SETTLE_MS}`,
    ]);
    expect(pending.size).toBe(0);
  });

  it('a failed eviction throws and keeps the row; the redelivery evicts and deletes it', async () => {
    const { service, pending, log, profileId, failWith } = setup();
    failWith(1);
    await expect(service.onListingErased('PROFILE', profileId)).rejects.toThrow('AppSync unreachable');
    expect(pending.size).toBe(1);
    expect(log).toEqual([]);
    // The redelivery, with the API back: evicted (twice: now and after the fill window), and the row is gone.
    await service.onListingErased('PROFILE', profileId);
    expect(pending.size).toBe(0);
    expect(log.filter((line) => line.startsWith('evict'))).toHaveLength(2);
  });

  it('a failure of the eviction after the wait also keeps the row', async () => {
    const { service, pending, profileId, clock } = setup();
    let calls = 0;
    const flaky = new ErasedPageEvictions(
      { pageEvictions: (service as unknown as { db: { pageEvictions: PageEvictionStore } }).db.pageEvictions },
      {
        evict: async () => {
          calls++;
          if (calls === 2) throw new Error('AppSync unreachable');
        },
      },
      clock,
      async (ms) => clock.advance(ms),
    );
    await expect(flaky.onListingErased('PROFILE', profileId)).rejects.toThrow('AppSync unreachable');
    expect(pending.size).toBe(1);
  });

  it('no wait when the fill window has passed (a late delivery): one eviction is final', async () => {
    const { service, pending, log, profileId } = setup(new Date(NOW - FILL_SETTLE_MS - 1));
    await service.onListingErased('PROFILE', profileId);
    expect(log).toEqual(['evict PROFILE:ava-portraits @0']);
    expect(pending.size).toBe(0);
  });

  it('nothing pending (a listing erased before this change, or a redelivery after the rows went): no eviction', async () => {
    const { service, log } = setup();
    await service.onListingErased('PROFILE', newId('profile'));
    expect(log).toEqual([]);
  });
});

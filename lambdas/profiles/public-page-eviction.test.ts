import { describe, expect, it } from 'vitest';
import { newDomainEvent } from '../core/events/catalog.ts';
import { newId } from '../core/ids.ts';
import { createLogger, setLogSink } from '../core/log.ts';
import {
  AppSyncPublicPageEviction,
  EVICT_PUBLIC_LISTING,
  evictAfterWrite,
  evictOnListingEvent,
  type PublicListingKind,
} from './public-page-eviction.ts';

function recorder() {
  const evicted: string[] = [];
  return {
    evicted,
    eviction: { evict: async (kind: PublicListingKind, slug: string) => void evicted.push(`${kind}:${slug}`) },
  };
}

describe('public page eviction', () => {
  it('sends the AWS_IAM mutation with the kind and slug', async () => {
    const sent: unknown[] = [];
    await new AppSyncPublicPageEviction({
      execute: async (query, variables) => void sent.push({ query, variables }),
    }).evict('STUDIO', 'loft-9');
    expect(sent).toEqual([{ query: EVICT_PUBLIC_LISTING, variables: { kind: 'STUDIO', slug: 'loft-9' } }]);
  });

  it('evicts the page a listing event names: profile.* a profile page, studio.* a studio page', async () => {
    const { evicted, eviction } = recorder();
    const profile = {
      profileId: newId('profile'),
      ownerUserId: newId('user'),
      role: 'MODEL' as const,
      city: null,
      version: 2,
    };
    await evictOnListingEvent(eviction, newDomainEvent('profile.updated', { ...profile, slug: 'ana' }));
    await evictOnListingEvent(eviction, newDomainEvent('profile.unpublished', { ...profile, slug: 'ana' }));
    await evictOnListingEvent(
      eviction,
      newDomainEvent('studio.published', { studioId: newId('studio'), slug: 'loft-9', city: 'us-nyc', version: 1 }),
    );
    expect(evicted).toEqual(['PROFILE:ana', 'PROFILE:ana', 'STUDIO:loft-9']);
  });

  it('lets a consumer see a failure (the queue retries), but never fails a committed write', async () => {
    const failing = {
      evict: async () => {
        throw new Error('AppSync unreachable');
      },
    };
    const event = newDomainEvent('studio.updated', {
      studioId: newId('studio'),
      slug: 'loft-9',
      city: null,
      version: 3,
    });
    await expect(evictOnListingEvent(failing, event)).rejects.toThrow('AppSync unreachable');
    const lines: string[] = [];
    const previous = setLogSink((line) => lines.push(line));
    try {
      await expect(
        evictAfterWrite(failing, createLogger({ service: 'test' }), 'STUDIO', 'loft-9'),
      ).resolves.toBeUndefined();
    } finally {
      setLogSink(previous);
    }
    expect(lines.map((line) => JSON.parse(line) as { level: string; message: string })).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'public page eviction failed; the listing event will evict it',
      }),
    ]);
  });
});

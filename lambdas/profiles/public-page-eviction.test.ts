import { describe, expect, it } from 'vitest';
import { AppSyncTermsEviction, EVICT_BOOKING_TERMS } from '../adapters/appsync-terms-eviction.ts';
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
    terms: { evictTerms: async (listingId: string) => void evicted.push(`TERMS:${listingId}`) },
  };
}

describe('public page eviction', () => {
  it('sends the AWS_IAM terms mutation with the listing id', async () => {
    const sent: unknown[] = [];
    await new AppSyncTermsEviction({
      execute: async (query, variables) => void sent.push({ query, variables }),
    }).evictTerms('std_1');
    expect(sent).toEqual([{ query: EVICT_BOOKING_TERMS, variables: { resourceId: 'std_1' } }]);
  });

  it('sends the AWS_IAM mutation with the kind and slug', async () => {
    const sent: unknown[] = [];
    await new AppSyncPublicPageEviction({
      execute: async (query, variables) => void sent.push({ query, variables }),
    }).evict('STUDIO', 'loft-9');
    expect(sent).toEqual([{ query: EVICT_PUBLIC_LISTING, variables: { kind: 'STUDIO', slug: 'loft-9' } }]);
  });

  it('evicts the page a listing event names (profile.* a profile page, studio.* a studio page) and its booking terms', async () => {
    const { evicted, eviction, terms } = recorder();
    const profile = {
      profileId: newId('profile'),
      ownerUserId: newId('user'),
      role: 'MODEL' as const,
      city: null,
      version: 2,
    };
    const studioId = newId('studio');
    await evictOnListingEvent(eviction, terms, newDomainEvent('profile.updated', { ...profile, slug: 'ana' }));
    await evictOnListingEvent(eviction, terms, newDomainEvent('profile.unpublished', { ...profile, slug: 'ana' }));
    await evictOnListingEvent(
      eviction,
      terms,
      newDomainEvent('studio.published', { studioId, slug: 'loft-9', city: 'us-nyc', version: 1 }),
    );
    expect(evicted).toEqual([
      'PROFILE:ana',
      `TERMS:${profile.profileId}`,
      'PROFILE:ana',
      `TERMS:${profile.profileId}`,
      'STUDIO:loft-9',
      `TERMS:${studioId}`,
    ]);
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
    await expect(evictOnListingEvent(failing, recorder().terms, event)).rejects.toThrow('AppSync unreachable');
    const failingTerms = {
      evictTerms: async () => {
        throw new Error('AppSync unreachable');
      },
    };
    await expect(evictOnListingEvent(recorder().eviction, failingTerms, event)).rejects.toThrow('AppSync unreachable');
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

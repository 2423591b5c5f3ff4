/**
 * The DmcaContent port over the owning domains' doors, each run in the case's transaction. Media:
 * media's own takedown SQL (lambdas/media/dmca-takedown.ts). Listings (PROFILE, STUDIO): profiles' own
 * (lambdas/profiles/dmca-listing-takedown.ts), which also resolves the slug or public URL a complainant
 * names a listing by.
 */
import type { Transaction } from '../core/db/database.ts';
import * as media from '../media/index.ts';
import * as profiles from '../profiles/index.ts';
import { dmcaTargetSchema, type DmcaTarget, type DmcaTargetRef } from './dmca.schemas.ts';
import type { DmcaContent } from './dmca.service.ts';

export class DmcaListingContent implements DmcaContent {
  /** `webBaseUrl`: the public web origin (PUBLIC_WEB_BASE_URL), the only host whose page URLs name a listing. */
  constructor(private readonly webBaseUrl: () => string) {}

  async resolve(tx: Transaction, ref: DmcaTargetRef): Promise<DmcaTarget> {
    if (ref.kind === 'MEDIA') return ref;
    const id = await profiles.resolveListingReference(tx, ref.kind, ref.id, this.webBaseUrl());
    return dmcaTargetSchema.parse({ kind: ref.kind, id });
  }

  async publicOwnerOf(tx: Transaction, target: DmcaTarget): Promise<string | undefined> {
    return target.kind === 'MEDIA'
      ? media.publicMediaOwner(tx, target.id)
      : profiles.publicListingOwner(tx, target.kind, target.id);
  }

  async takeDown(tx: Transaction, target: DmcaTarget): Promise<void> {
    // A case opens only for public material read in this transaction; false means it changed since (the
    // owner deleted or unpublished it): nothing public remains to hide, and the case still records the notice.
    if (target.kind === 'MEDIA') await media.takeDownMedia(tx, target.id);
    else await profiles.takeDownListing(tx, target.kind, target.id);
  }

  async restore(tx: Transaction, target: DmcaTarget): Promise<void> {
    if (target.kind === 'MEDIA') await media.restoreTakenDownMedia(tx, target.id);
    else await profiles.restoreTakenDownListing(tx, target.kind, target.id);
  }
}

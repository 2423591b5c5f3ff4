/**
 * The DmcaContent port over the owning domains' doors. Media: media's own takedown SQL
 * (lambdas/media/dmca-takedown.ts), run in the case's transaction. Listings (PROFILE, STUDIO) have no
 * takedown path in profiles yet, so a notice naming one is answered as a rejected target (nothing was
 * taken down) rather than a case whose material stayed public.
 */
import type { Transaction } from '../core/db/database.ts';
import * as media from '../media/index.ts';
import type { DmcaTarget } from './dmca.schemas.ts';
import type { DmcaContent } from './dmca.service.ts';

export class DmcaMediaContent implements DmcaContent {
  async publicOwnerOf(tx: Transaction, target: DmcaTarget): Promise<string | undefined> {
    return target.kind === 'MEDIA' ? media.publicMediaOwner(tx, target.id) : undefined;
  }

  async takeDown(tx: Transaction, target: DmcaTarget): Promise<void> {
    if (target.kind !== 'MEDIA') throw new Error(`no takedown for ${target.kind}`);
    // A case opens only for a public item read in this transaction; false means it changed since (the
    // owner deleted it): nothing public remains to hide, and the case still records the notice.
    await media.takeDownMedia(tx, target.id);
  }

  async restore(tx: Transaction, target: DmcaTarget): Promise<void> {
    if (target.kind !== 'MEDIA') throw new Error(`no restore for ${target.kind}`);
    await media.restoreTakenDownMedia(tx, target.id);
  }
}

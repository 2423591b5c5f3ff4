/**
 * Verification (NTB-STUDIO-004 and identity): unverified → pending (document uploaded) →
 * verified | rejected by admin/trust; a rejected subject may try again. The verified badge on
 * public pages reads the latest status. Decisions are audited and announced.
 */
import type { Clock } from '../core/clock.ts';
import { appendAudit } from '../core/db/audit-log.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { guardNotErased } from '../core/db/erased-users.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../core/errors.ts';
import { buildEvent } from '../core/events/catalog.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import { requireStaffRole, type StaffAuthority } from '../core/staff-authority.ts';
import { requireRecentStepUp, STEP_UP_MAX_AGE_SECONDS } from '../core/step-up.ts';
import { newId } from '../core/ids.ts';
import { verificationView } from './listing-support.ts';
import type { DecideVerificationInput, RequestVerificationInput } from './profiles.schemas.ts';
import type { ProfilesData } from './profiles.repositories.ts';
import type { VerificationRow } from './verification.repository.ts';

function requestView(row: VerificationRow) {
  return {
    id: row.id,
    subject: row.subject_type,
    subjectId: row.subject_id,
    status: row.status,
    documentMediaId: row.document_media_id,
    createdAt: row.created_at.toISOString(),
  };
}

export class VerificationService {
  constructor(
    private readonly db: ProfilesData,
    private readonly clock: Clock,
    private readonly staff: StaffAuthority,
  ) {}

  async request(caller: Caller, input: RequestVerificationInput) {
    const user = requireUser(caller);
    let subjectId: string = user.userId;
    if (input.subject === 'STUDIO') {
      if (!input.studioId)
        throw new ValidationError('studioId is required for STUDIO verification', [
          { path: 'input.studioId', message: 'required' },
        ]);
      if (!(await this.db.studios.findOwned(input.studioId, user.userId))) throw new NotFoundError('Studio not found');
      subjectId = input.studioId;
    }
    const document = await this.db.media.findOwned(input.documentMediaId, user.userId);
    if (!document || document.owner_type !== 'VERIFICATION' || !['PROCESSING', 'READY'].includes(document.status))
      throw new NotFoundError('Document not found');
    const row = await this.db.transaction(async (tx) => {
      // An erased account's stale token must not record a request (its documents are being deleted).
      await guardNotErased(tx, user.userId, 'Document not found');
      await tx.verifications.lockSubject(subjectId);
      const latest = await tx.verifications.latest(input.subject, subjectId);
      if (latest?.status === 'PENDING' || latest?.status === 'VERIFIED')
        throw new ConflictError(
          `Verification is already ${latest.status.toLowerCase()}`,
          `VERIFICATION.ALREADY_${latest.status}`,
        );
      const inserted = await tx.verifications.insert({
        id: newId('verification'),
        subjectType: input.subject,
        subjectId,
        ownerUserId: user.userId,
        documentMediaId: document.id,
      });
      await enqueueEvent(
        tx,
        buildEvent('verification.requested', { verificationId: inserted.id, subject: input.subject, subjectId }),
      );
      return inserted;
    });
    return verificationView(input.subject, row);
  }

  async queue(caller: Caller) {
    await requireStaffRole(this.staff, caller, 'admin', 'trust');
    return (await this.db.verifications.pending()).map(requestView);
  }

  /**
   * A verified badge is a trust signal clients rely on: deciding needs a second factor within the
   * last 10 minutes (a stolen admin session alone cannot mint badges), and nobody decides their own
   * request, whatever their roles.
   */
  async decide(caller: Caller, input: DecideVerificationInput) {
    await requireStaffRole(this.staff, caller, 'admin', 'trust');
    const admin = requireRecentStepUp(caller, this.clock, STEP_UP_MAX_AGE_SECONDS);
    const row = await this.db.transaction(async (tx) => {
      const request = await tx.verifications.findById(input.verificationId, true);
      if (!request || request.status !== 'PENDING') throw new NotFoundError('No pending verification with this id');
      if (request.owner_user_id === admin.userId || request.subject_id === admin.userId)
        throw new ForbiddenError('You cannot decide your own verification request');
      const decided = await tx.verifications.decide(
        input.verificationId,
        input.decision,
        admin.userId,
        input.reason ?? null,
      );
      if (!decided) throw new NotFoundError('No pending verification with this id');
      await appendAudit(
        tx,
        {
          actor: admin.userId,
          action: `verification.${input.decision.toLowerCase()}`,
          subject: `${decided.subject_type.toLowerCase()}:${decided.subject_id}`,
          details: { verificationId: decided.id, reason: input.reason ?? null },
        },
        this.clock.now(),
      );
      await enqueueEvent(
        tx,
        buildEvent('verification.decided', {
          verificationId: decided.id,
          subject: decided.subject_type,
          subjectId: decided.subject_id,
          status: input.decision,
        }),
      );
      // The verified badge is on public pages: published listings of the subject changed.
      if (decided.subject_type === 'IDENTITY') {
        for (const profile of await tx.profiles.publishedOf(decided.subject_id)) {
          await enqueueEvent(
            tx,
            buildEvent('profile.updated', {
              profileId: profile.id,
              ownerUserId: decided.subject_id,
              role: profile.role,
              slug: profile.slug,
              city: profile.city_code,
              version: profile.version,
              reason: 'verification',
            }),
          );
        }
      }
      // A studio's page shows the studio's own verification (studio.repository.ts findPublicPage).
      if (decided.subject_type === 'STUDIO') {
        const studio = await tx.studios.findPublished(decided.subject_id);
        if (studio) {
          await enqueueEvent(
            tx,
            buildEvent('studio.updated', {
              studioId: studio.id,
              slug: studio.slug,
              city: studio.city_code,
              version: studio.version,
            }),
          );
        }
      }
      return decided;
    });
    return requestView(row);
  }
}

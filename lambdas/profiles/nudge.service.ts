/**
 * Onboarding nudges and the weekly digest, by email. Each run (hourly in AWS: EventBridge
 * schedule → nudges.handler.ts) sends at most what the rules allow:
 *  - opt-outs: nudges and digest are separate switches; every email carries a one-click
 *    unsubscribe link (token, no sign-in needed);
 *  - quiet hours: nothing between quietStart and quietEnd in the recipient's city time zone
 *    (UTC without a city); the next run after quiet hours sends it;
 *  - frequency caps: at most one nudge per 72 h and two per 7 days; one digest per 7 days;
 *  - exactly once: before sending, a run claims a unique notification_log row (user, kind, period:
 *    the UTC day for nudges, the ISO week for digests) under a per-recipient lock in which the caps
 *    are checked, so overlapping or retried runs never send twice; a failed send releases its claim.
 *    (A crash between claim and send loses that one email: at most once beats a duplicate here.)
 * Until accounts land on this branch the address is the profile's contact email.
 */
import type { Notifier } from '../core/ports.ts';
import type { Logger } from '../core/log.ts';
import { type ProfileService } from './profile.service.ts';
import type { CandidateRow, PreferencesRow } from './notification.repository.ts';
import type { ProfilesData } from './profiles.repositories.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import type { NotificationPreferencesInput } from './profiles.schemas.ts';

export const NUDGE_IDLE_HOURS = 24;
export const NUDGE_MIN_GAP_HOURS = 72;
export const NUDGE_MAX_PER_WEEK = 2;
export const DIGEST_MIN_GAP_HOURS = 7 * 24 - 12; // a little slack for schedule jitter

export interface NudgeRunResult {
  nudged: number;
  digested: number;
  skipped: { optedOut: number; quietHours: number; capped: number };
}

const HOUR = 3600_000;

/** The claim period of a send: one nudge per UTC day, one digest per ISO week (at most). */
export function notificationPeriod(kind: 'NUDGE' | 'DIGEST', now: Date): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (kind === 'NUDGE') return day.toISOString().slice(0, 10);
  // ISO 8601 week: the week with the year's first Thursday is week 1; weeks start on Monday.
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** The hour (0-23) at `now` in `timezone`. */
export function localHour(now: Date, timezone: string | null): number {
  const hour = new Intl.DateTimeFormat('en-US', {
    hour: 'numeric',
    hourCycle: 'h23',
    timeZone: timezone ?? 'UTC',
  }).format(now);
  return Number.parseInt(hour, 10) % 24;
}

/** Quiet hours may wrap midnight (21 → 8). Equal bounds mean no quiet hours. */
export function inQuietHours(hour: number, start: number, end: number): boolean {
  if (start === end) return false;
  return start < end ? hour >= start && hour < end : hour >= start || hour < end;
}

export class NudgeService {
  constructor(
    private readonly db: ProfilesData,
    private readonly profiles: ProfileService,
    private readonly notifier: Notifier,
    private readonly apiBaseUrl: string,
    private readonly logger: Logger,
  ) {}

  private unsubscribeUrl(prefs: PreferencesRow, kind: 'nudges' | 'digest'): string {
    return `${this.apiBaseUrl}/profiles/notifications/unsubscribe?token=${encodeURIComponent(prefs.unsubscribe_token)}&kind=${kind}`;
  }

  async run(now: Date): Promise<NudgeRunResult> {
    const result: NudgeRunResult = { nudged: 0, digested: 0, skipped: { optedOut: 0, quietHours: 0, capped: 0 } };
    // Time zones come from platform's city directory (its table), once per city per run.
    const zones = new Map<string, Promise<string | null>>();
    const timezoneOf = (city: string | null) => {
      if (!city) return Promise.resolve(null);
      let zone = zones.get(city);
      if (!zone) zones.set(city, (zone = this.db.cities.cityInfo(city).then((info) => info?.timezone ?? null)));
      return zone;
    };
    for (const candidate of await this.db.notifications.nudgeCandidates(now, NUDGE_IDLE_HOURS)) {
      const outcome = await this.maybeSend(candidate, await timezoneOf(candidate.city_code), now, 'NUDGE');
      if (outcome === 'sent') result.nudged++;
      else result.skipped[outcome]++;
    }
    for (const candidate of await this.db.notifications.digestCandidates()) {
      const outcome = await this.maybeSend(candidate, await timezoneOf(candidate.city_code), now, 'DIGEST');
      if (outcome === 'sent') result.digested++;
      else result.skipped[outcome]++;
    }
    this.logger.info('nudge run finished', { ...result });
    return result;
  }

  private async maybeSend(
    candidate: CandidateRow,
    timezone: string | null,
    now: Date,
    kind: 'NUDGE' | 'DIGEST',
  ): Promise<'sent' | 'optedOut' | 'quietHours' | 'capped'> {
    const prefs = await this.db.notifications.preferences(candidate.owner_user_id);
    if (kind === 'NUDGE' ? !prefs.nudges_enabled : !prefs.digest_enabled) return 'optedOut';
    if (inQuietHours(localHour(now, timezone), prefs.quiet_start_hour, prefs.quiet_end_hour)) return 'quietHours';
    const userId = candidate.owner_user_id;
    const period = notificationPeriod(kind, now);
    const claimed = await this.db.transaction(async (tx) => {
      await tx.notifications.lockRecipient(userId, kind);
      if (kind === 'NUDGE') {
        if (
          (await tx.notifications.sentSince(userId, 'NUDGE', new Date(now.getTime() - NUDGE_MIN_GAP_HOURS * HOUR))) > 0
        )
          return false;
        if (
          (await tx.notifications.sentSince(userId, 'NUDGE', new Date(now.getTime() - 7 * 24 * HOUR))) >=
          NUDGE_MAX_PER_WEEK
        )
          return false;
      } else if (
        (await tx.notifications.sentSince(userId, 'DIGEST', new Date(now.getTime() - DIGEST_MIN_GAP_HOURS * HOUR))) > 0
      )
        return false;
      return tx.notifications.claim(userId, kind, period, now);
    });
    if (!claimed) return 'capped';

    const owner: Caller = {
      kind: 'user',
      userId: candidate.owner_user_id,
      roles: [],
      amr: [],
      authTime: undefined,
      sessionId: undefined,
      expiresAt: 0,
    };
    const profiles = await this.profiles.myProfiles(owner);
    const lines =
      kind === 'NUDGE'
        ? profiles
            .filter((profile) => profile.status === 'DRAFT')
            .map(
              (profile) =>
                `${profile.role}: ${profile.completeness.score}/100, next step ${profile.onboarding.currentStep ?? 'publish'}. ${profile.completeness.items.find((item) => !item.done)?.hint ?? ''}`,
            )
        : profiles
            .filter((profile) => profile.status === 'PUBLISHED')
            .map(
              (profile) =>
                `${profile.role}: completeness ${profile.completeness.score}/100, ${profile.portfolio.filter((item) => item.status === 'FLAGGED').length} image(s) in review.`,
            );
    const unsubscribe = this.unsubscribeUrl(prefs, kind === 'NUDGE' ? 'nudges' : 'digest');
    try {
      await this.notifier.sendEmail({
        to: candidate.contact_email,
        subject: kind === 'NUDGE' ? 'Finish your RastUp profile' : 'Your RastUp week',
        text: `${lines.join('\n')}\n\nUnsubscribe: ${unsubscribe}`,
        template: kind === 'NUDGE' ? 'profile.onboarding_nudge' : 'profile.weekly_digest',
      });
    } catch (error) {
      await this.db.notifications.releaseClaim(userId, kind, period);
      throw error;
    }
    return 'sent';
  }

  async preferences(caller: Caller) {
    return preferencesView(await this.db.notifications.preferences(requireUser(caller).userId));
  }

  async updatePreferences(caller: Caller, input: NotificationPreferencesInput) {
    const user = requireUser(caller);
    return preferencesView(
      await this.db.notifications.update(user.userId, {
        ...(input.nudges != null ? { nudges: input.nudges } : {}),
        ...(input.digest != null ? { digest: input.digest } : {}),
        ...(input.quietStartHour != null ? { quietStartHour: input.quietStartHour } : {}),
        ...(input.quietEndHour != null ? { quietEndHour: input.quietEndHour } : {}),
      }),
    );
  }

  /** Unknown tokens answer the same as known ones: the endpoint confirms nothing about accounts. */
  async unsubscribe(token: string, kind: 'all' | 'nudges' | 'digest'): Promise<void> {
    await this.db.notifications.unsubscribe(token, kind);
  }
}

function preferencesView(row: PreferencesRow) {
  return {
    nudges: row.nudges_enabled,
    digest: row.digest_enabled,
    quietStartHour: row.quiet_start_hour,
    quietEndHour: row.quiet_end_hour,
  };
}

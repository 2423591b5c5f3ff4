/**
 * Have I Been Pwned "range" API with k-anonymity: only the first 5 hex characters of the SHA-1
 * leave the service; the answer lists suffixes with counts, and `Add-Padding: true` pads it with
 * zero-count entries so its size reveals nothing either.
 *
 * Fallback (documented in docs/auth.md): when the API does not answer within the timeout or
 * fails, the check reports `unknown` and the password is accepted on the other rules (offline
 * common list + strength). Refusing sign-ups during an HIBP outage would turn a third-party
 * incident into ours; the event is logged (without the password) so it can be watched.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../core/log.ts';
import type { BreachChecker, BreachStatus } from './password-policy.ts';

export class HibpBreachChecker implements BreachChecker {
  constructor(
    private readonly rangeUrl: string,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async check(password: string): Promise<BreachStatus> {
    const sha1 = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
    const prefix = sha1.slice(0, 5);
    const suffix = sha1.slice(5);
    try {
      const response = await this.fetchImpl(`${this.rangeUrl.replace(/\/$/, '')}/${prefix}`, {
        headers: { 'add-padding': 'true', 'user-agent': 'rastup-auth' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) {
        this.logger.warn('breach check unavailable', { status: response.status });
        return 'unknown';
      }
      const body = await response.text();
      for (const line of body.split('\n')) {
        const [candidate, count] = line.trim().split(':');
        if (candidate?.toUpperCase() === suffix && Number(count) > 0) return 'breached';
      }
      return 'clean';
    } catch (error) {
      this.logger.warn('breach check unavailable', { reason: (error as Error).name });
      return 'unknown';
    }
  }
}

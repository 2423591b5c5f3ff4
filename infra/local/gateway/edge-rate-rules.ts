/**
 * The WAF rate-based rules in front of AppSync (infra/definitions/edge-rate-limits.ts), emulated in
 * memory by the local gateway: same keys (the client address the connection comes from, as WAF's
 * `IP` aggregation), same scope (the root field's name in the JSON body's `query`, bodies over WAF's
 * 8 KB inspection limit counting as matches, requests with an Authorization header left out of
 * public-only rules), same limits and windows (the rate-limit matrix), and AppSync's answer when WAF
 * blocks: 403 with a `WAFForbiddenException` entry.
 *
 * WAF counts every request in scope over a trailing window, the blocked ones included, and blocks
 * while the count is over the limit. Here that is exact (WAF itself checks every few seconds, so in
 * AWS a burst can run a little over before the block starts).
 */
import { edgeRateLimits, edgeRuleLimits, appSyncWafBodyInspectionBytes } from '../../definitions/edge-rate-limits.ts';
import { requestError, type HttpAnswer } from './appsync-http.ts';

export interface EdgeRequest {
  readonly body: string;
  readonly headers: Record<string, string | undefined>;
  /** The address the connection comes from (WAF's `IP` key; not X-Forwarded-For, which clients write). */
  readonly ip: string;
}

/** AppSync's answer to a request WAF blocked (as clients of WAF-protected AppSync APIs see it). */
export const wafForbidden = (): HttpAnswer => requestError(403, 'WAFForbiddenException', '403 Forbidden');

/** Idle keys are dropped once the table grows past this many (a flood of addresses stays bounded). */
const SWEEP_AT = 10_000;

export class EdgeRateRules {
  private readonly rules = edgeRateLimits.map((rule) => ({ ...rule, ...edgeRuleLimits(rule) }));
  /** Per rule and key: the most recent (limit + 1) request times, oldest first; enough to know "over". */
  private readonly seen = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts the request against every rule in scope; the answer to send instead when one blocks. */
  check(request: EdgeRequest): HttpAnswer | null {
    const at = this.now();
    const query = inspectedQuery(request.body);
    const signedIn = Boolean(request.headers.authorization?.length);
    let blocked = false;
    for (const rule of this.rules) {
      if (rule.publicOnly && signedIn) continue;
      if (query !== OVERSIZE && !query.includes(rule.field)) continue;
      const key = `${rule.ruleName}|${request.ip}`;
      const times = this.seen.get(key) ?? [];
      times.push(at);
      if (times.length > rule.limit + 1) times.shift();
      this.seen.set(key, times);
      // Over the limit when limit + 1 requests fall inside the trailing window.
      if (times.length > rule.limit && at - times[0]! < rule.windowSeconds * 1000) blocked = true;
    }
    if (this.seen.size > SWEEP_AT) this.sweep(at);
    return blocked ? wafForbidden() : null;
  }

  private sweep(at: number): void {
    const longest = Math.max(...this.rules.map((rule) => rule.windowSeconds)) * 1000;
    for (const [key, times] of this.seen) if (at - times[times.length - 1]! >= longest) this.seen.delete(key);
  }
}

const OVERSIZE = Symbol('oversize');

/**
 * What the rules match on: the `query` member of a JSON body, decoded (so `\u0073earchListings` is
 * seen as the name it spells), the raw text when the body is not JSON (WAF's EVALUATE_AS_STRING), or
 * OVERSIZE past the inspection limit.
 */
function inspectedQuery(body: string): string | typeof OVERSIZE {
  if (Buffer.byteLength(body, 'utf8') > appSyncWafBodyInspectionBytes) return OVERSIZE;
  try {
    const parsed: unknown = JSON.parse(body);
    const query = (parsed as { query?: unknown } | null)?.query;
    return typeof query === 'string' ? query : '';
  } catch {
    return body;
  }
}

/**
 * Rate-limit matrix rows enforced at the edge, not in a Lambda: AWS WAF rate-based rules in the web
 * ACL associated with the AppSync API (infra/cdk/stacks/api.stack.ts, `edgeRateRules`), emulated in
 * memory by the local gateway (infra/local/gateway/edge-rate-rules.ts). Limits and windows are the
 * rows' own (lambdas/core/rate-limit-matrix.ts), so the table stays the one source of the numbers.
 *
 * Why at the edge: a per-IP limit on every search and keystroke cost a DynamoDB round trip (and its
 * CPU) inside the search Lambda on the hottest read path; WAF counts per client address before
 * AppSync invokes anything, blocked floods never reach a Lambda, and it costs no Lambda time.
 * search.user stays in the Lambda: WAF can key on the Authorization header, but that is one key per
 * access token (a refresh makes a new one), not per user.
 *
 * What WAF imposes, checked below at load so a row cannot drift into something WAF cannot express:
 * the evaluation window is 60, 120, 300 or 600 s; the limit is at least 10; WAF counts requests in a
 * trailing window (not a token bucket: no gradual refill) and blocks with 403 and no Retry-After.
 * AppSync lets WAF inspect only the first 8 KB of a body, so bodies over it count as matches
 * (oversize handling MATCH): padding a query cannot slip past the rule.
 */
import { rateLimitMatrix, type RateLimitName } from '../../lambdas/core/rate-limit-matrix.ts';

export interface EdgeRateLimit {
  /** The matrix row (its capacity is the WAF limit, its window the evaluation window). */
  readonly row: RateLimitName;
  /** WAF rule name and metric (kebab-case, unique in the web ACL). */
  readonly ruleName: string;
  /** The root field whose name in the request's `query` puts the request in scope. */
  readonly field: string;
  /**
   * Only requests without an Authorization header (API-key callers): signed-in callers have their
   * own, larger per-user limit in the Lambda. A request with a bad token never reaches a resolver.
   */
  readonly publicOnly: boolean;
}

export const edgeRateLimits: readonly EdgeRateLimit[] = [
  { row: 'search.ip', ruleName: 'search-per-ip', field: 'searchListings', publicOnly: true },
  { row: 'suggestions.ip', ruleName: 'suggestions-per-ip', field: 'searchSuggestions', publicOnly: false },
];

/** AWS WAF's allowed evaluation windows for rate-based rules, in seconds. */
export const wafEvaluationWindows = [60, 120, 300, 600] as const;
/** Smallest limit a WAF rate-based rule takes. */
export const wafMinimumLimit = 10;
/** How much of a request body WAF may inspect on an AppSync API (fixed by AppSync). */
export const appSyncWafBodyInspectionBytes = 8 * 1024;

/** The rule's limit and window, from the matrix, refused if WAF cannot express them. */
export function edgeRuleLimits(limit: EdgeRateLimit): { limit: number; windowSeconds: number } {
  const row = rateLimitMatrix[limit.row];
  if (row.key !== 'ip' || row.action !== 'refuse')
    throw new Error(`${limit.row}: only per-IP refusals can run as WAF rate-based rules`);
  if (!(wafEvaluationWindows as readonly number[]).includes(row.windowSeconds))
    throw new Error(`${limit.row}: window ${row.windowSeconds}s is not a WAF evaluation window`);
  if (row.capacity < wafMinimumLimit) throw new Error(`${limit.row}: WAF limits start at ${wafMinimumLimit}`);
  return { limit: row.capacity, windowSeconds: row.windowSeconds };
}

for (const limit of edgeRateLimits) edgeRuleLimits(limit);

/**
 * The rate-limit matrix (seed 001 Appendix R, NTB-RATE-001): every limit of the product in one
 * table — auth, search, suggestions, messages, checkout, partner API — as token buckets. Enforcement
 * reads its policies from here (`rateLimitPolicy(name)`), so the table is what runs, and
 * tests/integration/rate-limit-matrix.int.test.ts reads it and hits each enforced limit through the
 * API. A domain adds its rows here (status `enforced` once its code and a probe in that test exist);
 * rows `planned` name the issue that builds them and are not enforced yet.
 */
import type { RateLimitPolicy } from './ports.ts';

export type RateLimitSurface = 'auth' | 'search' | 'suggestions' | 'messages' | 'checkout' | 'partner-api' | 'dmca';
/** What the bucket is keyed by. */
export type RateLimitKey = 'ip' | 'identity' | 'device' | 'user' | 'dyad' | 'client';

export interface RateLimitRow {
  readonly surface: RateLimitSurface;
  readonly key: RateLimitKey;
  /** Requests allowed in a burst; the bucket refills to it over `windowSeconds`. */
  readonly capacity: number;
  readonly windowSeconds: number;
  /** `refuse`: 429 + Retry-After when empty. `challenge`: not a limit, an empty bucket raises the risk score (CAPTCHA). */
  readonly action: 'refuse' | 'challenge';
  readonly status: 'enforced' | { readonly planned: number };
  readonly what: string;
}

const minutes = (n: number) => n * 60;

export const rateLimitMatrix = {
  // --- auth (NTB-AUTH-010), enforced by lambdas/auth through auth-rate-limits.ts ---
  'auth.signup.ip': {
    surface: 'auth',
    key: 'ip',
    capacity: 20,
    windowSeconds: minutes(60),
    action: 'refuse',
    status: 'enforced',
    what: 'sign-ups and verification-code resends per source IP',
  },
  'auth.signup.email': {
    surface: 'auth',
    key: 'identity',
    capacity: 5,
    windowSeconds: minutes(60),
    action: 'refuse',
    status: 'enforced',
    what: 'sign-ups per email',
  },
  'auth.login.ip': {
    surface: 'auth',
    key: 'ip',
    capacity: 60,
    windowSeconds: minutes(10),
    action: 'refuse',
    status: 'enforced',
    what: 'sign-in attempts per source IP',
  },
  'auth.login.identity': {
    surface: 'auth',
    key: 'identity',
    capacity: 20,
    windowSeconds: minutes(15),
    action: 'refuse',
    status: 'enforced',
    what: 'sign-in attempts per email, from anywhere',
  },
  'auth.login.device': {
    surface: 'auth',
    key: 'device',
    capacity: 20,
    windowSeconds: minutes(15),
    action: 'refuse',
    status: 'enforced',
    what: "sign-in attempts from a browser holding the account's device cookie (its own bucket)",
  },
  'auth.reset.ip': {
    surface: 'auth',
    key: 'ip',
    capacity: 20,
    windowSeconds: minutes(60),
    action: 'refuse',
    status: 'enforced',
    what: 'password-reset requests per source IP',
  },
  'auth.reset.identity': {
    surface: 'auth',
    key: 'identity',
    capacity: 5,
    windowSeconds: minutes(60),
    action: 'refuse',
    status: 'enforced',
    what: 'password-reset requests per email',
  },
  'auth.code.ip': {
    surface: 'auth',
    key: 'ip',
    capacity: 60,
    windowSeconds: minutes(10),
    action: 'refuse',
    status: 'enforced',
    what: 'one-time code checks (reset, verification, MFA, step-up) per source IP',
  },
  'auth.code.identity': {
    surface: 'auth',
    key: 'identity',
    capacity: 10,
    windowSeconds: minutes(10),
    action: 'refuse',
    status: 'enforced',
    what: 'one-time code checks per email or account',
  },
  'auth.code_send.identity': {
    surface: 'auth',
    key: 'identity',
    capacity: 5,
    windowSeconds: minutes(15),
    action: 'refuse',
    status: 'enforced',
    what: 'codes sent (verification resend, email/SMS step-up) per email or account',
  },
  'auth.refresh.ip': {
    surface: 'auth',
    key: 'ip',
    capacity: 300,
    windowSeconds: minutes(10),
    action: 'refuse',
    status: 'enforced',
    what: 'token refreshes per source IP',
  },
  'auth.login.velocity': {
    surface: 'auth',
    key: 'ip',
    capacity: 10,
    windowSeconds: minutes(10),
    action: 'challenge',
    status: 'enforced',
    what: 'sign-in velocity per IP: beyond it the risk score demands a CAPTCHA',
  },
  // --- search (NTB-SEARCH-003/005): search.ip and suggestions.ip at the edge (WAF rate-based rules,
  // infra/definitions/edge-rate-limits.ts: per-IP count over the window), the rest by lambdas/search ---
  'search.ip': {
    surface: 'search',
    key: 'ip',
    capacity: 120,
    windowSeconds: minutes(1),
    action: 'refuse',
    status: 'enforced',
    what: 'search queries per source IP (Appendix U: per-IP QPS against search spam)',
  },
  'search.user': {
    surface: 'search',
    key: 'user',
    capacity: 240,
    windowSeconds: minutes(1),
    action: 'refuse',
    status: 'enforced',
    what: 'search queries per signed-in user',
  },
  // Enforced by lambdas/search (search.service.ts): a window search checks booking feasibility for
  // up to 100 (API key) or 400 (signed-in) candidates, and a new window each call defeats the cache.
  'search.available.ip': {
    surface: 'search',
    key: 'ip',
    capacity: 20,
    windowSeconds: minutes(1),
    action: 'refuse',
    status: 'enforced',
    what: 'searches with an availability window per source IP (API-key callers)',
  },
  'search.available.user': {
    surface: 'search',
    key: 'user',
    capacity: 30,
    windowSeconds: minutes(1),
    action: 'refuse',
    status: 'enforced',
    what: 'searches with an availability window per signed-in user',
  },
  'suggestions.ip': {
    surface: 'suggestions',
    key: 'ip',
    capacity: 300,
    windowSeconds: minutes(1),
    action: 'refuse',
    status: 'enforced',
    what: 'typeahead suggestions per source IP (hard limit, Appendix U)',
  },
  // --- proposed for the domains being built; the owning issue sets the final values ---
  'messages.sender': {
    surface: 'messages',
    key: 'user',
    capacity: 30,
    windowSeconds: minutes(1),
    action: 'refuse',
    status: { planned: 13 },
    what: 'messages sent per user',
  },
  'messages.dyad': {
    surface: 'messages',
    key: 'dyad',
    capacity: 60,
    windowSeconds: minutes(60),
    action: 'refuse',
    status: { planned: 13 },
    what: 'messages per sender-recipient pair (Appendix U.4: solicitation bypass)',
  },
  // --- message attachments (#13), enforced by lambdas/messaging/attachments.service.ts: each completion
  // decodes an image with sharp and runs the classifier, so requests and completions are bounded per user ---
  'messages.attachment_upload.user': {
    surface: 'messages',
    key: 'user',
    capacity: 30,
    windowSeconds: minutes(60),
    action: 'refuse',
    status: 'enforced',
    what: 'attachment upload URLs requested per user',
  },
  'messages.attachment_complete.user': {
    surface: 'messages',
    key: 'user',
    capacity: 30,
    windowSeconds: minutes(60),
    action: 'refuse',
    status: 'enforced',
    what: 'attachment completions (image decode + moderation scan) per user',
  },
  'checkout.user': {
    surface: 'checkout',
    key: 'user',
    capacity: 10,
    windowSeconds: minutes(10),
    action: 'refuse',
    status: { planned: 12 },
    what: 'checkout attempts per user (card testing)',
  },
  'partner.client': {
    surface: 'partner-api',
    key: 'client',
    capacity: 600,
    windowSeconds: minutes(1),
    action: 'refuse',
    status: { planned: 15 },
    what: 'partner API calls per OAuth client',
  },
  // --- DMCA notice intake (#16), enforced by lambdas/dmca/dmca.service.ts: open to anyone with the public
  // API key, and each target of a notice may be taken down, so a source IP names a handful an hour: a
  // notice costs one token per target (capacity = the most targets one notice may name, 20) ---
  'dmca.notice.ip': {
    surface: 'dmca',
    key: 'ip',
    capacity: 20,
    windowSeconds: minutes(60),
    action: 'refuse',
    status: 'enforced',
    what: 'DMCA notice targets named per source IP (callers without an address share one bucket)',
  },
} as const satisfies Record<string, RateLimitRow>;

export type RateLimitName = keyof typeof rateLimitMatrix;

/** The token-bucket policy of one row: `capacity` tokens, refilled evenly over the window. */
export function rateLimitPolicy(name: RateLimitName): RateLimitPolicy {
  const row: RateLimitRow = rateLimitMatrix[name];
  return { name, capacity: row.capacity, refillPerSecond: row.capacity / row.windowSeconds };
}

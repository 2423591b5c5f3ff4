/**
 * Service level objectives per surface (NTB-POST-001, seed 001 §1.30), from Appendix V's budgets:
 * availability (share of requests answered without a server error) and latency (share of requests
 * answered within the p95 budget of 450 ms) over a rolling 30 days. The observability stack turns
 * each active SLO into multi-window burn-rate alarms (Google SRE workbook, ch. 5: a fast burn pages
 * within minutes, a slow one within hours) and an SLO dashboard. Surfaces still being built carry
 * the issue that will wire their SLIs; they get no alarm until then (an alarm on a metric nothing
 * emits watches nothing).
 */
export type SloSurface = 'graphql' | 'rest-auth' | 'partner-api' | 'webhooks';

export interface SloDefinition {
  readonly id: string;
  readonly surface: SloSurface;
  readonly kind: 'availability' | 'latency';
  /** Percent of good events over the window, e.g. 99.5. */
  readonly objectivePercent: number;
  /** Latency SLOs: a request is good when answered within this many milliseconds. */
  readonly thresholdMs?: number;
  readonly windowDays: number;
  readonly status: 'active' | { readonly planned: number };
  readonly description: string;
}

/** Appendix V: errors ≤ 0.5 % and GraphQL p95 ≤ 450 ms on a cache miss. */
export const slos: readonly SloDefinition[] = [
  {
    id: 'graphql-availability',
    surface: 'graphql',
    kind: 'availability',
    objectivePercent: 99.5,
    windowDays: 30,
    status: 'active',
    description: 'AppSync requests answered without a 5xx',
  },
  {
    id: 'graphql-latency',
    surface: 'graphql',
    kind: 'latency',
    objectivePercent: 95,
    thresholdMs: 450,
    windowDays: 30,
    status: 'active',
    description: 'AppSync requests answered within 450 ms (p95 budget, cache miss)',
  },
  {
    id: 'rest-auth-availability',
    surface: 'rest-auth',
    kind: 'availability',
    objectivePercent: 99.5,
    windowDays: 30,
    status: 'active',
    description: 'REST (auth) requests answered without a 5xx',
  },
  {
    id: 'rest-auth-latency',
    surface: 'rest-auth',
    kind: 'latency',
    objectivePercent: 95,
    thresholdMs: 450,
    windowDays: 30,
    status: 'active',
    description: 'REST (auth) requests answered within 450 ms',
  },
  {
    id: 'partner-api-availability',
    surface: 'partner-api',
    kind: 'availability',
    objectivePercent: 99.9,
    windowDays: 30,
    status: { planned: 15 },
    description: 'partner /v1 requests answered without a 5xx',
  },
  {
    id: 'partner-api-latency',
    surface: 'partner-api',
    kind: 'latency',
    objectivePercent: 95,
    thresholdMs: 450,
    windowDays: 30,
    status: { planned: 15 },
    description: 'partner /v1 requests answered within 450 ms',
  },
  {
    id: 'webhooks-delivery',
    surface: 'webhooks',
    kind: 'availability',
    objectivePercent: 99,
    windowDays: 30,
    status: { planned: 15 },
    description: 'partner webhook deliveries acknowledged (2xx) within 5 minutes of the event, retries included',
  },
];

/**
 * Multi-window burn-rate alerts for a 30-day SLO (SRE workbook, table 5-8): the long window proves
 * the burn is sustained, the short one that it is still happening (so the alarm resets quickly).
 * A burn rate of 14.4 over 1 h spends 2 % of the month's budget; 6 over 6 h spends 5 %.
 */
export const burnRateAlerts = [
  { name: 'fast', burnRate: 14.4, longWindowMinutes: 60, shortWindowMinutes: 5 },
  { name: 'slow', burnRate: 6, longWindowMinutes: 360, shortWindowMinutes: 30 },
] as const;

/** The bad-event percentage at which an alert fires: burn rate × error budget. */
export function burnThresholdPercent(slo: SloDefinition, burnRate: number): number {
  return Math.round(burnRate * (100 - slo.objectivePercent) * 1000) / 1000;
}

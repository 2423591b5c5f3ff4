// Types of budgets.js (plain JS so k6 can import it) for the TypeScript that reads it (perf:local, tests).
export interface LatencyBudget {
  readonly p95Ms: number;
  readonly p50Ms?: number;
  readonly source: string;
}
export interface SurfaceBudget {
  readonly title: string;
  readonly budget: LatencyBudget;
  readonly missBudget?: LatencyBudget;
  readonly aim: { readonly p95Ms: number; readonly minRps?: number };
  readonly steadyRps: number;
  readonly burstRps: number;
}
export type SurfaceId =
  | 'profile-view'
  | 'studio-view'
  | 'booking-slots'
  | 'booking-terms'
  | 'listing-reviews'
  | 'cities'
  | 'feature-flags'
  | 'search'
  | 'checkout'
  | 'messages'
  | 'partner-api'
  | 'auth';
export const ERROR_RATE_BUDGET: number;
export const SURFACES: Readonly<Record<SurfaceId, SurfaceBudget>>;
export function thresholdsFor(surface: SurfaceId, tag?: string): Record<string, string[]>;
export function scenariosFor(
  surface: SurfaceId,
  steadyDuration?: string,
  burstDuration?: string,
): Record<string, object>;

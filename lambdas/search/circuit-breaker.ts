/**
 * The search fallback (issue #14): Typesense answers while it is healthy; after `failureThreshold`
 * consecutive failures (errors or timeouts) the breaker opens and PostgreSQL answers for `openMs`,
 * then one trial call goes to Typesense again (half-open) and closes the breaker when it succeeds.
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { SearchEngine, SearchQuery, SearchResult, SearchSuggestion } from './search.port.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(
    private readonly options: { readonly failureThreshold: number; readonly openMs: number },
    private readonly clock: Clock,
  ) {}

  get state(): BreakerState {
    if (this.openedAt === null) return 'closed';
    return this.clock.nowMs() - this.openedAt >= this.options.openMs ? 'half-open' : 'open';
  }

  /** Whether the primary may be tried now (in half-open, one caller at a time). */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  failure(): void {
    this.trialInFlight = false;
    this.failures += 1;
    if (this.openedAt !== null || this.failures >= this.options.failureThreshold) this.openedAt = this.clock.nowMs();
  }
}

export class FallbackSearchEngine implements SearchEngine {
  constructor(
    private readonly primary: SearchEngine,
    private readonly fallback: SearchEngine,
    private readonly breaker: CircuitBreaker,
    private readonly logger: Logger,
  ) {}

  get name(): 'postgres' | 'typesense' {
    return this.primary.name;
  }

  search(query: SearchQuery): Promise<SearchResult> {
    return this.call((engine) => engine.search(query));
  }

  suggest(prefix: string, limit: number): Promise<SearchSuggestion[]> {
    return this.call((engine) => engine.suggest(prefix, limit));
  }

  private async call<T>(run: (engine: SearchEngine) => Promise<T>): Promise<T> {
    if (!this.breaker.allow()) return run(this.fallback);
    try {
      const result = await run(this.primary);
      this.breaker.success();
      return result;
    } catch (error) {
      this.breaker.failure();
      this.logger.warn('search engine failed; answering from the fallback', {
        engine: this.primary.name,
        breaker: this.breaker.state,
        error,
      });
      return run(this.fallback);
    }
  }
}

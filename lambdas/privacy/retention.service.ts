/**
 * The retention job: for every expiring data class of retention-policy.ts, deletes or pseudonymises
 * the rows past the class's period, counted from the injected clock. Batches keep each statement
 * short (row locks, WAL) and the job resumable: a run cut short leaves only fewer rows for the next.
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { retentionStatements, type RetentionRepository } from './retention.repository.ts';
import { DAY_MS, retentionPolicy, type ExpiringClassName } from './retention-policy.ts';

export type RetentionReport = Record<ExpiringClassName, number>;

export class RetentionService {
  constructor(
    private readonly repository: RetentionRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly batchSize = 500,
  ) {}

  async run(): Promise<RetentionReport> {
    const now = this.clock.now();
    const report = {} as RetentionReport;
    for (const name of Object.keys(retentionStatements) as ExpiringClassName[]) {
      const cutoff = new Date(now.getTime() - retentionPolicy[name].days * DAY_MS);
      let affected = 0;
      for (const statement of retentionStatements[name]) {
        // Until a batch finds nothing: a concurrent run may have taken part of a batch, so a short
        // batch does not prove the class is done.
        for (;;) {
          const count = await this.repository.expireBatch(statement, cutoff, this.batchSize, now);
          affected += count;
          if (count === 0) break;
        }
      }
      report[name] = affected;
    }
    this.logger.info('retention run', { at: now.toISOString(), affected: report });
    return report;
  }
}

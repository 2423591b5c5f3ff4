/** Composition root of the DMCA Lambda and its restore job: config, adapters and the service, once per container. */
import * as z from 'zod';
import { systemClock } from '../core/clock.ts';
import { configOnce, parseConfig } from '../core/config.ts';
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { createLogger } from '../core/log.ts';
import type { RateLimiter } from '../core/ports.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { documentClientFromEnv, tableNameFromEnv } from '../adapters/dynamodb.ts';
import { DynamoDbRateLimiter } from '../adapters/dynamodb-rate-limiter.ts';
import { metricsFromEnv } from '../adapters/powertools-metrics.ts';
import { notifierFromEnv } from '../adapters/notifier-from-env.ts';
import { staffAuthority } from '../staff/index.ts';
import { ComplainantMailer } from './complainant-mailer.ts';
import { DmcaListingContent } from './dmca-content.adapter.ts';
import { OutboxDmcaNotifier } from './dmca-notifier.adapter.ts';
import { dmcaRepositories } from './dmca.repositories.ts';
import { DmcaService } from './dmca.service.ts';

/** The web origin a notice's listing URL must be on; read when a notice names one (the restore job never does). */
const webBaseUrl = configOnce(() => parseConfig(z.object({ PUBLIC_WEB_BASE_URL: z.url() })).PUBLIC_WEB_BASE_URL);

let service: Promise<DmcaService> | undefined;
let mailer: Promise<ComplainantMailer> | undefined;

/** The complainants' copy of a counter notice (the dmca.counter_noticed consumer). */
export function complainantMailer(): Promise<ComplainantMailer> {
  mailer ??= (async () => {
    const db = await databaseFromEnv('dmca');
    // Loaded here, not at the top: the notice intake and the restore job never need notifications' module.
    // (Not for correctness: the takedown e2e that once failed with a top-level import was racing AppSync's
    // page cache; see the page assertion in tests/integration/dmca.int.test.ts.)
    const { isEmailSuppressed } = await import('../notifications/index.ts');
    return new ComplainantMailer(createUnitOfWork(db, dmcaRepositories), notifierFromEnv(), (address) =>
      isEmailSuppressed(db, address),
    );
  })();
  mailer.catch(() => (mailer = undefined));
  return mailer;
}

function lazyRateLimiter(create: () => RateLimiter): RateLimiter {
  let limiter: RateLimiter | undefined;
  return {
    consume: (policy, key, cost) => (limiter ??= create()).consume(policy, key, cost),
    reset: (policy, key) => (limiter ??= create()).reset(policy, key),
  };
}

export function dmcaService(): Promise<DmcaService> {
  service ??= (async () => {
    const db = await databaseFromEnv('dmca');
    return new DmcaService(
      createUnitOfWork(db, dmcaRepositories),
      new DmcaListingContent(webBaseUrl),
      new OutboxDmcaNotifier(),
      systemClock,
      staffAuthority(db, systemClock),
      // The notice intake's per-IP bucket (DMCA_NOTICE_LIMIT) in the control table, bound on first use:
      // the restore job shares this module and has no access to that table.
      lazyRateLimiter(
        () => new DynamoDbRateLimiter(documentClientFromEnv(), tableNameFromEnv('CONTROL_TABLE'), systemClock),
      ),
      metricsFromEnv(),
      createLogger({ service: 'dmca' }),
    );
  })();
  service.catch(() => (service = undefined));
  return service;
}

/**
 * Composition root of the partner API and of the webhook worker: configuration, adapters (Postgres
 * as the partner role, DynamoDB for verdicts, buckets and idempotency, the issuer's signing keys,
 * the HTTP webhook sender) and the services over them. One per container.
 */
import { systemClock } from '../core/clock.ts';
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { createLogger } from '../core/log.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { documentClientFromEnv } from '../adapters/dynamodb.ts';
import { DynamoDbIdempotencyStore } from '../adapters/dynamodb-idempotency-store.ts';
import { DynamoDbRateLimiter } from '../adapters/dynamodb-rate-limiter.ts';
import { DynamoDbTtlCache } from '../adapters/dynamodb-ttl-cache.ts';
import { resolveSecretEnv } from '../adapters/secret-env.ts';
import type { IdempotencyStore } from '../core/ports.ts';
import { partnerOrders } from '../booking/index.ts';
import { partnerPayouts } from '../payments/index.ts';
import { SigningKeyStore, discoverySecretVariables } from '../auth/index.ts';
import { publicWork } from '../media/index.ts';
import { ownedListings, partnerListings } from '../profiles/index.ts';
import { BriefService } from './brief.service.ts';
import { HttpWebhookSender } from './http-webhook-sender.ts';
import { InventoryService } from './inventory.service.ts';
import { LeasedRateLimiter } from './leased-rate-limiter.ts';
import { parsePartnerConfig } from './partner.config.ts';
import { partnerRepositories } from './partner.repositories.ts';
import { PartnerErasureService, partnerErasureRepositories } from './partner-erasure.service.ts';
import { PartnerTokenService, type Verdict } from './partner-token.service.ts';
import { WebhookDeliveryService } from './webhook-delivery.service.ts';
import { WebhookService } from './webhook.service.ts';

export interface PartnerModule {
  readonly tokens: PartnerTokenService;
  readonly inventory: InventoryService;
  readonly webhooks: WebhookService;
  readonly briefs: BriefService;
  readonly delivery: WebhookDeliveryService;
  readonly idempotency: IdempotencyStore;
}

let module: Promise<PartnerModule> | undefined;

export function partnerModule(): Promise<PartnerModule> {
  module ??= (async () => {
    const config = parsePartnerConfig(await resolveSecretEnv(discoverySecretVariables));
    const database = await databaseFromEnv('partner');
    const db = createUnitOfWork(database, partnerRepositories);
    const dynamo = documentClientFromEnv();
    const keys = new SigningKeyStore(
      database,
      systemClock,
      config.issuer.AUTH_KEY_ENCRYPTION_KEY,
      config.issuer.SIGNING_KEY_ROTATION_DAYS,
      // A retired key stays published longer than any token it signed (user tokens live longest).
      Math.max(config.issuer.ACCESS_TOKEN_TTL_SECONDS, config.PARTNER_TOKEN_TTL_SECONDS) + 3600,
    );
    const tokens = new PartnerTokenService(
      db,
      keys,
      new DynamoDbTtlCache<Verdict>(dynamo, config.CONTROL_TABLE, 'PV'),
      new LeasedRateLimiter(new DynamoDbRateLimiter(dynamo, config.CONTROL_TABLE)),
      systemClock,
      {
        issuer: config.issuer.AUTH_ISSUER,
        audience: config.PARTNER_TOKEN_AUDIENCE,
        tokenTtlSeconds: config.PARTNER_TOKEN_TTL_SECONDS,
        verdictTtlSeconds: config.PARTNER_VERDICT_TTL_SECONDS,
        verdictLocalTtlSeconds: config.PARTNER_VERDICT_LOCAL_TTL_SECONDS,
      },
    );
    const listings = partnerListings(database);
    return {
      tokens,
      inventory: new InventoryService(listings, publicWork(database, config.MEDIA_PUBLIC_BASE_URL)),
      briefs: new BriefService(db, listings, partnerOrders(database), partnerPayouts(database), systemClock),
      webhooks: new WebhookService(db, systemClock, {
        allowPrivateTargets: config.allowPrivateWebhookTargets,
        secretOverlapSeconds: config.WEBHOOK_SECRET_OVERLAP_SECONDS,
      }),
      delivery: new WebhookDeliveryService(
        db,
        new HttpWebhookSender(config.WEBHOOK_TIMEOUT_MS, config.allowPrivateWebhookTargets),
        systemClock,
        {
          maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
          backoffBaseSeconds: config.WEBHOOK_BACKOFF_BASE_SECONDS,
          backoffCapSeconds: config.WEBHOOK_BACKOFF_CAP_SECONDS,
          disableAfterSeconds: config.WEBHOOK_DISABLE_AFTER_SECONDS,
          timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        },
        createLogger({ service: 'partner-webhooks' }),
      ),
      idempotency: new DynamoDbIdempotencyStore(dynamo, config.CONTROL_TABLE),
    };
  })();
  module.catch(() => (module = undefined));
  return module;
}

let erasure: Promise<PartnerErasureService> | undefined;

/** The user.deleted consumer (account links, stored webhook payloads); needs no issuer secrets. */
export function partnerErasure(): Promise<PartnerErasureService> {
  erasure ??= (async () => {
    const database = await databaseFromEnv('partner');
    return new PartnerErasureService(
      createUnitOfWork(database, partnerErasureRepositories),
      async (tx, userId) => (await ownedListings(tx, userId)).map((listing) => listing.listing_id),
      createLogger({ service: 'partner-erasure' }),
    );
  })();
  erasure.catch(() => (erasure = undefined));
  return erasure;
}

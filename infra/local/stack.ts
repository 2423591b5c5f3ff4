/**
 * The whole RastUp backend on loopback: embedded PostgreSQL, DynamoDB Local, s3rver, the local
 * AppSync + API Gateway, the outbox relay and event consumers. Used by `npm start` (persistent
 * state under .local/) and by the integration tests (a throwaway state dir, free ports).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Server } from 'node:http';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { buckets, mediaPublicBucket, physicalBucketName } from '../definitions/buckets.ts';
import { sweepExpiredObjects } from './s3-lifecycle.ts';
import { domains, eventConsumers } from '../definitions/domains.ts';
import { tables, physicalTableName } from '../definitions/tables.ts';
import { migrate } from '../../db/migrate.ts';
import { seed } from '../../db/seeds/seed.ts';
import type { DemoAccount, DemoSeedResult } from '../../db/seeds/demo-seed.ts';
import { createDatabase, type Database } from '../../lambdas/core/db/database.ts';
import { relayOutboxBatch } from '../../lambdas/core/db/outbox-relay.ts';
import { ValidationError } from '../../lambdas/core/errors.ts';
import { createLogger, setLogSink, type Logger } from '../../lambdas/core/log.ts';
import { capturedMessages } from '../../lambdas/adapters/capturing-notifier.ts';
import { InProcessEventBus } from '../../lambdas/adapters/in-process-event-bus.ts';
import { sqsBatchOf } from '../../lambdas/core/events/sqs-consumer.ts';
import { closeDatabasesFromEnv, databaseFromEnv } from '../../lambdas/adapters/database.ts';
import { startPostgres, type RunningPostgres } from './postgres.ts';
import { ensureTables, localDynamoClient, startDynamo, type RunningDynamo } from './dynamodb.ts';
import { startS3, type RunningS3 } from './s3.ts';
import { acquireLock, freePort } from './processes.ts';
import { PORTS_LOCK_FILE, STATE_LOCK_FILE } from './local-state.ts';
import { systemClock } from '../../lambdas/core/clock.ts';
import { SigningKeyStore } from '../../lambdas/auth/signing-keys.ts';
import { createGatewayServer, listenOnLoopback } from './gateway/server.ts';
import { createOidcVerifier } from './gateway/oidc-verifier.ts';
import { startThirdPartyFakes, type RunningFakes } from './fakes/third-party-fakes.ts';
import { startStripeFake, type RunningStripeFake } from './fakes/stripe-fake.ts';

export const LOCAL_STAGE = 'local';

export interface LocalStackOptions {
  readonly rootDir: string;
  /** Where data and secrets live: `.local` for `npm start`, a temp dir for tests. */
  readonly stateDir: string;
  readonly port?: number;
  /** Throwaway data (tests): in-memory DynamoDB, PostgreSQL without fsync. */
  readonly ephemeral?: boolean;
  /** Where JSON log lines go (default: stdout). */
  readonly logFile?: string;
  readonly onProgress?: (message: string) => void;
  /** Local-only: source IPs whose per-IP auth rate-limit buckets are skipped (the login benchmark). */
  readonly authRateLimitExemptIps?: readonly string[];
  /** Local-only: the client address the emulated WAF rules see, given the socket's (the search benchmark). */
  readonly edgeClientIp?: (socketIp: string) => string;
  /**
   * Seed the demo accounts and published listings (db/seeds/demo-seed.ts). `npm start` turns it on;
   * test stacks leave it off unless a test asks (it can also call `stack.seedDemo()` itself).
   */
  readonly demoSeed?: boolean;
  /**
   * Tests only: the PostgreSQL URL the Lambdas get (DATABASE_URL), given the real one, e.g. through a
   * fault-injecting TCP proxy (tests/support/tcp-fault-proxy.ts). The stack's own pool (migrations,
   * seeds, outbox relay) stays direct.
   */
  readonly lambdaDatabaseUrl?: (postgresUrl: string) => Promise<string>;
}

export interface Endpoints {
  readonly graphqlUrl: string;
  readonly restUrl: string;
  readonly apiKey: string;
  readonly databaseUrl: string;
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  readonly mailboxUrl: string;
  /** Loopback fakes of HIBP, Turnstile, Google, Apple and Twilio (infra/local/fakes). */
  readonly fakesUrl: string;
  /**
   * LOCAL ONLY: the loopback Stripe stand-in (infra/local/fakes/stripe-fake.ts) and its test keys,
   * or Stripe's test mode when STRIPE_SECRET_KEY was set for the stack.
   */
  readonly stripe?: {
    readonly apiUrl: string;
    readonly secretKey: string;
    readonly publishableKey: string;
    readonly webhookSecret: string;
  };
  /** LOCAL ONLY: the demo logins and their listings, when the demo seed ran (`npm start`). */
  readonly demoAccounts?: readonly DemoAccount[];
}

export interface LocalStack {
  readonly endpoints: Endpoints;
  readonly db: Database;
  readonly bus: InProcessEventBus;
  /** Child processes started (PostgreSQL, DynamoDB Local's JVM): tests check none outlive stop(). */
  readonly processIds: { readonly postgres: number; readonly dynamodb: number };
  /** Relays every committed outbox row now (tests use it instead of waiting for the timer). */
  drainOutbox(): Promise<number>;
  /** Runs the (idempotent) demo seed now and records its accounts in endpoints.json. */
  seedDemo(): Promise<DemoSeedResult>;
  stop(): Promise<void>;
}

interface LocalSecrets {
  apiKey: string;
  keyEncryptionKey: string;
}

/** Secrets the local stack needs, created once and kept under the state dir (git-ignored). */
function localSecrets(stateDir: string): LocalSecrets {
  const file = join(stateDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  const secrets: LocalSecrets = {
    // AppSync API keys look like da2-<26 chars>.
    apiKey: `da2-${randomBytes(20)
      .toString('base64url')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .padEnd(26, '0')
      .slice(0, 26)}`,
    keyEncryptionKey: randomBytes(32).toString('base64'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** Loopback addresses: what every request to the local stack comes from. */
export const LOOPBACK_IPS: readonly string[] = ['127.0.0.1', '::1'];

/** The state folder's secrets and database belong to different local states. */
export class LocalStateMismatchError extends Error {}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const progress = options.onProgress ?? (() => undefined);
  mkdirSync(options.stateDir, { recursive: true });
  const stateLock = await acquireLock(join(options.stateDir, STATE_LOCK_FILE), {
    what: `the local state folder ${options.stateDir}`,
  }).catch((error: Error & { holder?: number }) => {
    throw new Error(
      `another local stack (pid ${error.holder}) is running on ${options.stateDir}; stop it (Ctrl-C) first, or give this one its own RASTUP_STATE_DIR`,
    );
  });
  try {
    return await startWithStateLock(options, progress, stateLock);
  } catch (error) {
    stateLock.release();
    throw error;
  }
}

async function startWithStateLock(
  options: LocalStackOptions,
  progress: (message: string) => void,
  stateLock: { release(): void },
): Promise<LocalStack> {
  if (options.logFile) {
    const logFile = options.logFile;
    setLogSink((line) => {
      try {
        appendFileSync(logFile, `${line}\n`);
      } catch {
        // A request that finishes after its stack stopped may log once the state dir is gone (a bench
        // removes it): the line goes to stderr rather than crashing the process that ran the stack.
        process.stderr.write(`${line}\n`);
      }
    });
  }
  const logger: Logger = createLogger({ service: 'local-stack' });
  const secrets = localSecrets(options.stateDir);

  // Fixed, memorable ports only for the developer's own stack; `port: 0` (tests, benches, a second
  // checkout) takes ephemeral ports everywhere so parallel stacks never race for the same ones.
  const fixedPorts = options.port !== 0 && !options.ephemeral;
  const portsLock = fixedPorts
    ? await acquireLock(PORTS_LOCK_FILE, {
        what: 'the local ports lock',
        waitMs: 180_000,
        onWait: (holder) => progress(`another local stack (pid ${holder}) is taking its ports; waiting for it`),
      })
    : undefined;
  const [gatewayPort, pgPort, dynamoPort, s3Port] = await Promise.all([
    options.port === 0 ? freePort() : freePort(options.port ?? 4000),
    freePort(fixedPorts ? 54_329 : undefined),
    freePort(fixedPorts ? 8_042 : undefined),
    freePort(fixedPorts ? 4_569 : undefined),
  ]);
  if (options.port && gatewayPort !== options.port) {
    portsLock?.release();
    throw new Error(`Port ${options.port} is in use (another local stack?); set PORT to another port`);
  }

  const started: {
    postgres?: RunningPostgres;
    dynamo?: RunningDynamo;
    s3?: RunningS3;
    fakes?: RunningFakes;
    stripe?: RunningStripeFake;
  } = {};
  const stopServices = async () => {
    portsLock?.release();
    await Promise.allSettled([
      started.s3?.stop(),
      started.dynamo?.stop(),
      started.postgres?.stop(),
      started.fakes?.stop(),
      started.stripe?.stop(),
    ]);
  };

  try {
    progress('starting PostgreSQL, DynamoDB Local and s3rver');
    const fakes = (started.fakes = await startThirdPartyFakes(await freePort(options.ephemeral ? undefined : 4_570)));
    // Stripe's stand-in sends its signed webhooks to the gateway's payments route, like Stripe does.
    const stripe = (started.stripe = await startStripeFake({
      port: await freePort(options.ephemeral ? undefined : 4_571),
      webhookUrls: [`http://127.0.0.1:${gatewayPort}/payments/stripe/webhook`],
    }));
    // STRIPE_SECRET_KEY set for the stack (sk_test_…): Stripe's test mode instead; forward its
    // webhooks with `stripe listen --forward-to …/payments/stripe/webhook` and set STRIPE_WEBHOOK_SECRET.
    const realStripe = process.env.STRIPE_SECRET_KEY?.startsWith('sk_test_') && !process.env.STRIPE_API_BASE_URL;
    const stripeEnv = realStripe
      ? {
          STRIPE_SECRET_KEY: process.env.STRIPE_SECRET_KEY!,
          STRIPE_WEBHOOK_SECRET: process.env.STRIPE_WEBHOOK_SECRET ?? '',
        }
      : {
          STRIPE_SECRET_KEY: stripe.secretKey,
          STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
          STRIPE_API_BASE_URL: stripe.baseUrl,
        };
    // Each store is made ready (migrated and seeded, tables created, buckets created) as soon as it
    // answers, not once all three do: DynamoDB Local's JVM is the slowest to start, and the migrations
    // and seeds run while it starts instead of after it. Settled, not raced: when one fails, the
    // others have finished starting, so stopServices() below stops every process that was started.
    const [postgresReady, dynamoReady, s3Ready] = await Promise.allSettled([
      startPostgres({
        dataDir: join(options.stateDir, 'postgres'),
        port: pgPort,
        nextPort: () => freePort(),
        database: 'rastup',
        ephemeral: options.ephemeral,
      }).then(async (postgres) => {
        started.postgres = postgres;
        progress('applying migrations and seed data');
        await migrate(postgres.url);
        const db = createDatabase({ connectionString: postgres.url, max: 5 });
        try {
          // Signing keys sealed with another key-encryption key would fail every sign-in with a 500.
          const unreadable = await new SigningKeyStore(
            db,
            systemClock,
            secrets.keyEncryptionKey,
            30,
            0,
          ).undecryptableKeys();
          if (unreadable.length > 0)
            throw new LocalStateMismatchError(
              `the database (${postgres.dataDir}) holds auth signing keys (${unreadable.join(', ')}) that the key-encryption key in ${join(options.stateDir, 'secrets.json')} cannot decrypt: the secrets and the database come from different local states. Run \`npm run reset\` for a fresh start (deletes all local data), or put back the secrets.json that belongs to this database.`,
            );
          await seed(db);
        } catch (error) {
          await db.close();
          throw error;
        }
        return { postgres, db };
      }),
      startDynamo({
        port: dynamoPort,
        pidFile: join(options.stateDir, 'dynamodb.pid'),
        ...(options.ephemeral ? {} : { dataDir: join(options.stateDir, 'dynamodb') }),
      }).then(async (dynamo) => {
        started.dynamo = dynamo;
        const dynamoClient = localDynamoClient(dynamo.endpoint);
        try {
          await ensureTables(dynamoClient, LOCAL_STAGE, tables);
        } finally {
          dynamoClient.destroy();
        }
        return dynamo;
      }),
      startS3({ port: s3Port, dataDir: join(options.stateDir, 's3'), stage: LOCAL_STAGE, buckets }).then(async (s3) => {
        started.s3 = s3;
        const s3Client = new S3Client({
          endpoint: s3.endpoint,
          region: 'us-east-1',
          forcePathStyle: true,
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        });
        for (const spec of buckets)
          await s3Client
            .send(new CreateBucketCommand({ Bucket: physicalBucketName(LOCAL_STAGE, spec) }))
            .catch(() => undefined);
        s3Client.destroy();
        return s3;
      }),
    ]);
    if (postgresReady.status === 'rejected' || dynamoReady.status === 'rejected' || s3Ready.status === 'rejected') {
      if (postgresReady.status === 'fulfilled') await postgresReady.value.db.close();
      const failure = [postgresReady, dynamoReady, s3Ready].find((result) => result.status === 'rejected');
      throw (failure as PromiseRejectedResult).reason;
    }
    const { postgres, db } = postgresReady.value;
    const dynamo = dynamoReady.value;
    const s3 = s3Ready.value;

    // `localhost`, not 127.0.0.1: the web app's dev server runs on http://localhost:3000, and only a
    // host of the same site gets its `__Host-`/SameSite cookies back from a browser (127.0.0.1 and
    // localhost are different sites, so Chromium would treat the refresh cookie as third-party).
    const baseUrl = `http://localhost:${gatewayPort}`;
    const lambdaDatabaseUrl = options.lambdaDatabaseUrl ? await options.lambdaDatabaseUrl(postgres.url) : postgres.url;
    // The web app's dev server and the stack's own origin (pages served from it, tools).
    const webOrigins = ['http://localhost:3000', 'http://127.0.0.1:3000', baseUrl, `http://127.0.0.1:${gatewayPort}`];
    // The same variables the CDK sets on every Lambda, pointed at the local stand-ins. DATABASE_URL
    // names the server: domain code logs in as its own role there (lambdas/adapters/database.ts),
    // created and granted by the migrations; the master URL stays with the stack, seeds and tools.
    Object.assign(process.env, {
      STAGE: LOCAL_STAGE,
      AWS_REGION: 'us-east-1',
      // s3rver's fixed credentials; DynamoDB Local accepts any. Not secrets.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      DATABASE_URL: lambdaDatabaseUrl,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      S3_ENDPOINT: s3.endpoint,
      AUTH_ISSUER: baseUrl,
      AUTH_AUDIENCE: 'rastup-api',
      AUTH_KEY_ENCRYPTION_KEY: secrets.keyEncryptionKey,
      NOTIFICATIONS_MODE: 'capture',
      PUBLIC_BASE_URL: baseUrl,
      ALLOWED_WEB_ORIGINS: webOrigins.join(','),
      // Where Lambdas publish realtime events (the AWS_IAM mutation; the API's URL in AWS).
      APPSYNC_GRAPHQL_URL: `${baseUrl}/graphql`,
      // Third parties (HIBP, Turnstile, Google, Apple, Twilio) -> loopback fakes.
      ...fakes.env,
      // Payments: Stripe (the stand-in unless a test-mode key was given) and the quote-signing key,
      // derived from the local key-encryption key so quotes survive a restart.
      ...stripeEnv,
      PAYMENTS_QUOTE_KEY: createHmac('sha256', secrets.keyEncryptionKey)
        .update('payments-quote-key')
        .digest('base64url'),
      AUTH_LOCAL_RATE_LIMIT_EXEMPT_IPS: (options.authRateLimitExemptIps ?? []).join(','),
      // The web app (canonical URLs, JSON-LD) and where public media is served (CloudFront in AWS).
      PUBLIC_WEB_BASE_URL: process.env.PUBLIC_WEB_BASE_URL ?? 'http://localhost:3000',
      MEDIA_PUBLIC_BASE_URL: `${s3.endpoint}/${physicalBucketName(LOCAL_STAGE, mediaPublicBucket)}`,
      // Rekognition's local stand-in; the marker hook is documented in lambdas/adapters/nsfwjs-moderator.ts.
      MODERATION_ADAPTER: 'nsfwjs',
      MODERATION_TEST_MARKER: process.env.MODERATION_TEST_MARKER ?? (options.ephemeral ? 'on' : 'off'),
      // Booking's calendar import may fetch this stack's own export URL (127.0.0.1); local stage only.
      BOOKING_ICS_ALLOW_LOOPBACK: 'true',
      ...Object.fromEntries(tables.map((spec) => [spec.envVar, physicalTableName(LOCAL_STAGE, spec)])),
      ...Object.fromEntries(buckets.map((spec) => [spec.envVar, physicalBucketName(LOCAL_STAGE, spec)])),
    });

    const reconcileMedia = async () => {
      const job = (await import(
        pathToFileURL(join(options.rootDir, 'lambdas/media/media-reconcile.handler.ts')).href
      )) as { handler: () => Promise<unknown> };
      return job.handler();
    };

    /** S3's lifecycle expiration of the buckets' prefix rules (s3rver has none), at `time` or now. */
    const expireObjects = async (time?: string) => {
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      try {
        return await sweepExpiredObjects({
          client,
          stage: LOCAL_STAGE,
          buckets,
          now: time ? new Date(time) : new Date(),
        });
      } finally {
        client.destroy();
      }
    };

    /** A scheduled Lambda's handler run as EventBridge would, at `time` (an ISO instant) or now. */
    const runScheduled = async (entry: string, time?: string) => {
      const job = (await import(pathToFileURL(join(options.rootDir, entry)).href)) as {
        handler: (event: { time?: string }) => Promise<unknown>;
      };
      return job.handler(time ? { time } : {});
    };
    /** A dev route's `?now=`: EventBridge always sends a valid time, a developer's is checked here (400, not 500). */
    const jobTime = (url: URL): string | undefined => {
      const now = url.searchParams.get('now');
      if (now && (!/^\d{4}-\d{2}-\d{2}T/.test(now) || Number.isNaN(new Date(now).getTime())))
        throw new ValidationError('now must be an ISO 8601 date-time', [
          { path: 'query.now', message: 'must be an ISO 8601 date-time' },
        ]);
      return now ?? undefined;
    };
    /** The dev route of a scheduled job: runs it now, or as if at `?now=<ISO time>`. */
    const scheduledJob = (entry: string) => async (url: URL) => runScheduled(entry, jobTime(url));

    // The booking-expiry scheduled job (rate(1 minute) in AWS): on a timer here, and on its dev route.
    const expireBookings = (time?: string) => runScheduled('lambdas/booking/booking-expiry.handler.ts', time);
    // The booking-calendar-refresh scheduled job (rate(15 minutes) in AWS): on a timer here, and on its dev route.
    const refreshCalendars = (time?: string) => runScheduled('lambdas/booking/calendar-refresh.handler.ts', time);

    progress('starting the local AppSync and API Gateway');
    const server: Server = await createGatewayServer({
      rootDir: options.rootDir,
      stage: LOCAL_STAGE,
      isValidApiKey: (key) => key === secrets.apiKey,
      // AWS_IAM: Lambdas sign with the credentials set in process.env above (as the Lambda runtime does).
      iamCredentials: { [process.env.AWS_ACCESS_KEY_ID!]: process.env.AWS_SECRET_ACCESS_KEY! },
      verifyToken: createOidcVerifier({
        issuer: baseUrl,
        audience: 'rastup-api',
        jwksUrl: `${baseUrl}/.well-known/jwks.json`,
      }),
      logger,
      allowedOrigins: webOrigins,
      ...(options.edgeClientIp ? { edgeClientIp: options.edgeClientIp } : {}),
      devRoutes: {
        // Runs the scheduled nudge/digest job now, or as if at ?now=<ISO time>.
        '/dev/jobs/profile-nudges': scheduledJob('lambdas/profiles/nudges.handler.ts'),
        // Runs the new-message digest job now, or as if at ?now=<ISO time> (quiet hours, the local day).
        '/dev/jobs/notification-digest': scheduledJob('lambdas/notifications/digest.handler.ts'),
        // Runs the media reconciler now (removes objects no media row names); it also runs at every start.
        '/dev/jobs/media-reconcile': () => reconcileMedia(),
        // Expires booking requests and holds past their deadline now, or as if at ?now=<ISO time>.
        '/dev/jobs/booking-expiry': async (url) => expireBookings(jobTime(url)),
        // Reconciles the payment records with the local Stripe now (repairs, then reports differences);
        // ?now=<ISO time> runs it as if then (requests left open by a crash count as stale a minute on).
        '/dev/jobs/payments-reconcile': scheduledJob('lambdas/payments/payments-reconcile.handler.ts'),
        // Renews card authorisations that would lapse before capture, now or as if at ?now=<ISO time>.
        '/dev/jobs/payments-reauthorize': scheduledJob('lambdas/payments/payments-reauthorize.handler.ts'),
        // Assembles missing chargeback evidence packs and submits the due ones now, or as if at ?now=<ISO time>.
        '/dev/jobs/dispute-evidence': scheduledJob('lambdas/payments/dispute-evidence.handler.ts'),
        // Refreshes external calendars now; ?now=<ISO time> picks the feeds due as if then (the window stays today's).
        '/dev/jobs/booking-calendar-refresh': async (url) => refreshCalendars(jobTime(url)),
        // Runs the webhook retry job now, or as if at ?now=<ISO time> (backoffs elapsed).
        '/dev/jobs/partner-webhooks': scheduledJob('lambdas/partner/webhook-worker.handler.ts'),
        // Publishes reviews whose window closed now, or as if at ?now=<ISO time> (window elapsed).
        '/dev/jobs/reviews-publish': scheduledJob('lambdas/reviews/reviews-publish.handler.ts'),
        // Expires every data class past its retention period (lambdas/privacy/retention-policy.ts), now or
        // as if at ?now=<ISO time>.
        '/dev/jobs/data-retention': scheduledJob('lambdas/privacy/retention.handler.ts'),
        // Restores DMCA cases whose counter-notice window opened, now or as if at ?now=<ISO time>.
        '/dev/jobs/dmca-restore': scheduledJob('lambdas/dmca/dmca-restore.handler.ts'),
        // Anchors the audit chain's head in the anchors bucket now (write-once; the hourly job in AWS).
        '/dev/jobs/audit-anchor': () => runScheduled('lambdas/platform/audit-anchor.handler.ts'),
        // S3 lifecycle expiration now, or as if at ?now=<ISO time>: unsent message previews (unsent/) and
        // never-completed uploads (incoming/) older than their rule's days, as S3 deletes them in AWS.
        '/dev/jobs/s3-lifecycle': async (url) => expireObjects(jobTime(url)),
        '/dev/mailbox': () => ({
          messages: capturedMessages().map((message) => ({
            channel: message.channel,
            to: message.to,
            subject: message.subject,
            text: message.text,
            template: message.template,
            sentAt: message.sentAt,
          })),
        }),
      },
    });
    const closeIpv6 = await listenOnLoopback(server, gatewayPort);
    // Every fixed port is bound now: the next checkout may pick its own.
    portsLock?.release();

    // Outbox relay + consumers in process: the SQS-shaped delivery the consumer Lambdas get in AWS.
    const bus = new InProcessEventBus();
    for (const consumer of eventConsumers) {
      const module = (await import(pathToFileURL(join(options.rootDir, domains[consumer.domain].entry)).href)) as {
        handler: (event: unknown) => Promise<{ batchItemFailures?: unknown[] }>;
      };
      bus.subscribe(consumer.eventTypes, async (event) => {
        const result = await module.handler(sqsBatchOf([event], `rastup-local-${consumer.name}`));
        if (result?.batchItemFailures?.length) throw new Error(`consumer ${consumer.name} failed on ${event.type}`);
      });
    }
    // The relay logs in as its own role, as the outbox relay Lambda does in AWS.
    const relayDb = await databaseFromEnv('relay');
    let relaying: Promise<number> = Promise.resolve(0);
    const drainOutbox = async () => {
      await relaying.catch(() => 0);
      let total = 0;
      for (;;) {
        relaying = relayOutboxBatch(relayDb, bus, 100);
        const count = await relaying;
        total += count;
        if (count === 0) return total;
      }
    };
    // After a hard kill: objects written around a commit that never happened are removed before
    // the stack serves anything (the scheduled job in AWS). Never fatal to the start.
    if (!options.ephemeral) {
      progress('reconciling media objects with their rows');
      await reconcileMedia().catch((error) => logger.error('media reconciler failed', { error }));
    }
    const relayTimer = setInterval(() => {
      drainOutbox().catch((error) => logger.error('outbox relay failed', { error }));
    }, 250);
    relayTimer.unref();
    const bookingExpiryTimer = setInterval(() => {
      expireBookings().catch((error) => logger.error('booking expiry failed', { error }));
    }, 60_000);
    bookingExpiryTimer.unref();
    const calendarRefreshTimer = setInterval(() => {
      refreshCalendars().catch((error) => logger.error('calendar refresh failed', { error }));
    }, 15 * 60_000);
    calendarRefreshTimer.unref();
    // S3 applies lifecycle rules about daily; hourly here keeps a long-running `npm start` tidy.
    const lifecycleTimer = setInterval(() => {
      expireObjects().catch((error) => logger.error('s3 lifecycle sweep failed', { error }));
    }, 60 * 60_000);
    lifecycleTimer.unref();

    const baseEndpoints: Endpoints = {
      graphqlUrl: `${baseUrl}/graphql`,
      restUrl: baseUrl,
      apiKey: secrets.apiKey,
      databaseUrl: postgres.url,
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      mailboxUrl: `${baseUrl}/dev/mailbox`,
      fakesUrl: fakes.baseUrl,
      stripe: realStripe
        ? undefined
        : {
            apiUrl: stripe.baseUrl,
            secretKey: stripe.secretKey,
            publishableKey: stripe.publishableKey,
            webhookSecret: stripe.webhookSecret,
          },
    };
    let endpoints = baseEndpoints;
    const writeEndpoints = () =>
      writeFileSync(join(options.stateDir, 'endpoints.json'), JSON.stringify(endpoints, null, 2));
    writeEndpoints();
    // One line through the sink as soon as the stack serves: the log file then exists whether or not
    // anything else logs, so the run's audit (tests/support/log-audit.ts) reads a real line even when no
    // test file touched this stack, and a missing file still means the sink is not wired.
    if (options.logFile)
      createLogger({ service: 'local-stack', level: 'info' }).info('local stack ready', {
        ephemeral: options.ephemeral === true,
      });

    const seedDemo = async (): Promise<DemoSeedResult> => {
      // Loaded on demand: stacks without the demo seed never load the seed or its image code.
      const [{ seedDemo: run }, { profilesModule }, { mediaService }] = await Promise.all([
        import('../../db/seeds/demo-seed.ts'),
        import('../../lambdas/profiles/profiles.module.ts'),
        import('../../lambdas/media/media.module.ts'),
      ]);
      const [profiles, media] = await Promise.all([profilesModule(), mediaService()]);
      const result = await run({
        db,
        stage: LOCAL_STAGE,
        profiles: profiles.profiles,
        studios: profiles.studios,
        media,
        drainOutbox,
        onProgress: progress,
      });
      endpoints = { ...baseEndpoints, demoAccounts: result.accounts };
      writeEndpoints();
      return result;
    };

    let stopping: Promise<void> | undefined;
    const stack: LocalStack = {
      get endpoints() {
        return endpoints;
      },
      db,
      bus,
      processIds: { postgres: postgres.pid, dynamodb: dynamo.pid },
      drainOutbox,
      seedDemo,
      stop() {
        stopping ??= (async () => {
          clearInterval(relayTimer);
          clearInterval(bookingExpiryTimer);
          clearInterval(calendarRefreshTimer);
          clearInterval(lifecycleTimer);
          await relaying.catch(() => 0);
          server.closeAllConnections();
          await Promise.all([new Promise<void>((resolve) => server.close(() => resolve())), closeIpv6()]);
          await db.close().catch(() => undefined);
          await closeDatabasesFromEnv();
          await stopServices();
          stateLock.release();
        })();
        return stopping;
      },
    };
    if (options.demoSeed) {
      progress('seeding demo accounts and listings (local only)');
      try {
        await seedDemo();
      } catch (error) {
        await stack.stop();
        throw error;
      }
    }
    return stack;
  } catch (error) {
    await stopServices();
    throw error;
  }
}

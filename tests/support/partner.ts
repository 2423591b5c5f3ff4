/**
 * Partner API test support: registry operations against the local stack's database and DynamoDB
 * (as an operator would run them), the generated SDK pointed at the stack, a published studio, and
 * a webhook receiver on loopback whose answers a test scripts.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbTtlCache } from '../../lambdas/adapters/dynamodb-ttl-cache.ts';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { partnerRegistry, type PartnerScope, type Verdict } from '../../lambdas/partner/index.ts';
import { controlTable, physicalTableName } from '../../infra/definitions/tables.ts';
import { RastUpPartnerClient } from '../../sdk/ts/src/index.ts';
import { stackInfo } from './clients.ts';
import { gqlOk, uploadImage, waitForMedia } from './graphql.ts';
import { testJpeg } from './images.ts';

async function withRegistry<T>(run: (registry: ReturnType<typeof partnerRegistry>) => Promise<T>): Promise<T> {
  const { endpoints } = stackInfo();
  const db = createDatabase({ connectionString: endpoints.databaseUrl, max: 1 });
  const dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint: endpoints.dynamodbEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  try {
    return await run(
      partnerRegistry(db, new DynamoDbTtlCache<Verdict>(dynamo, physicalTableName('local', controlTable), 'PV')),
    );
  } finally {
    await db.close();
    dynamo.destroy();
  }
}

export function createPartnerClient(scopes: readonly PartnerScope[], requestsPerMinute = 6000, accountUserId?: string) {
  return withRegistry((registry) =>
    registry.createClient({
      name: 'Test partner',
      contactEmail: 'dpa@partner.example',
      scopes,
      requestsPerMinute,
      ...(accountUserId ? { accountUserId } : {}),
    }),
  );
}

export function setPartnerStatus(clientId: string, status: 'active' | 'suspended') {
  return withRegistry((registry) => registry.setClientStatus(clientId, status));
}

export function sdkFor(credentials: { clientId: string; clientSecret: string }, options: { maxRetries?: number } = {}) {
  return new RastUpPartnerClient({
    baseUrl: stackInfo().endpoints.restUrl,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    backoffMs: 20,
    ...options,
  });
}

export async function partnerSdk(scopes: readonly PartnerScope[], requestsPerMinute?: number, accountUserId?: string) {
  const credentials = await createPartnerClient(scopes, requestsPerMinute, accountUserId);
  return { credentials, sdk: sdkFor(credentials) };
}

/** Runs the webhook retry job as if at `at` (backoffs elapsed). */
export async function runWebhookJob(at: Date = new Date()): Promise<{ attempted: number; delivered: number }> {
  const answer = await fetch(`${stackInfo().endpoints.restUrl}/dev/jobs/partner-webhooks?now=${at.toISOString()}`);
  if (answer.status !== 200) throw new Error(`job failed: ${answer.status} ${await answer.text()}`);
  return (await answer.json()) as { attempted: number; delivered: number };
}

export interface ReceivedWebhook {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
}

/** A webhook receiver on loopback: `respond` decides each answer's status from the parsed body. */
export class WebhookReceiver {
  readonly received: (ReceivedWebhook & { json: { type: string; data: Record<string, unknown> } })[] = [];
  private server: Server | undefined;
  respond: (json: { type: string; data: Record<string, unknown> }) => number = () => 200;

  /** Deliveries about one aggregate to one endpoint path (other tests' events and endpoints share the receiver). */
  about(aggregateId: string, path: string) {
    return this.received.filter((hook) => hook.json.data.aggregateId === aggregateId && hook.path === path);
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const json = JSON.parse(body) as { type: string; data: Record<string, unknown> };
        const status = this.respond(json);
        this.received.push({ path: request.url ?? '', headers: request.headers, body, json, status });
        response.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const STUDIO = `id version onboarding { currentStep } completeness { canPublish }`;
const SAVE = `mutation($input: SaveStudioDraftInput!) { saveStudioDraft(input: $input) { ${STUDIO} } }`;
const COMPLETE = `mutation($input: CompleteStepInput!) { completeStudioStep(input: $input) { ${STUDIO} } }`;

/** A published studio with an exact address and contact details (which partners must not see). */
export async function seedPublishedStudio(
  token: string,
  details: { slug: string; street: string; postal: string; email: string; phone: string },
) {
  let studio = (
    await gqlOk(token, `mutation($input: CreateStudioInput!) { createStudio(input: $input) { ${STUDIO} } }`, {
      input: { name: 'Daylight Loft', slug: details.slug },
    })
  ).createStudio;
  const save = async (step: string, patch: Record<string, unknown>) =>
    (studio = (
      await gqlOk(token, SAVE, { input: { studioId: studio.id, expectedVersion: studio.version, step, patch } })
    ).saveStudioDraft);
  const complete = async (step: string) =>
    (studio = (await gqlOk(token, COMPLETE, { input: { id: studio.id, expectedVersion: studio.version, step } }))
      .completeStudioStep);
  await save('BASICS', {
    description: 'A 2,000 sq ft daylight loft with cyclorama wall, north-facing windows and a makeup station.',
    contactEmail: details.email,
    contactPhone: details.phone,
  });
  await complete('BASICS');
  await save('LOCATION', {
    city: 'us-nyc',
    addressLine1: details.street,
    postalCode: details.postal,
    amenities: ['cyclorama', 'daylight'],
  });
  await complete('LOCATION');
  const photo = await uploadImage(token, {
    ownerType: 'STUDIO',
    ownerId: studio.id,
    body: await testJpeg({ seed: 5 }),
    contentType: 'image/jpeg',
  });
  await waitForMedia(token, photo.id, ['PUBLISHED']);
  await gqlOk(token, `mutation($id: ID!) { setCoverMedia(id: $id) { id } }`, { id: photo.id });
  studio = (await gqlOk(token, `query($id: ID!) { myStudio(id: $id) { ${STUDIO} } }`, { id: studio.id })).myStudio;
  await complete('PHOTOS');
  await save('PRICING', { hourlyMinCents: 7500, hourlyMaxCents: 15000, depositCents: 20000 });
  await complete('PRICING');
  await gqlOk(token, `mutation($id: ID!) { publishStudio(id: $id) { status } }`, { id: studio.id });
  return { studioId: String(studio.id), mediaId: String(photo.id) };
}

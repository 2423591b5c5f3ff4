/**
 * `npm start` semantics: a stack stopped and started again on the same state dir keeps its data,
 * and stopping leaves no PostgreSQL or Java process behind.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resetLocalState } from '../../infra/local/reset.ts';
import { GetItemCommand, PutItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalStack } from '../../infra/local/stack.ts';
import { isAlive } from '../../infra/local/processes.ts';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stateDir = mkdtempSync(join(tmpdir(), 'rastup-restart-'));
afterAll(() => resetLocalState(stateDir, { log: () => undefined, keepBinaries: true }));

describe('restarting the local stack', () => {
  it('keeps PostgreSQL and DynamoDB data and leaves no stray processes', { timeout: 120_000 }, async () => {
    const first = await startLocalStack({ rootDir, stateDir, port: 0, logFile: join(stateDir, 'log') });
    await first.db.query(
      "INSERT INTO cities (code, name, country_code, timezone, status) VALUES ('us-bos', 'Boston', 'US', 'America/New_York', 'PLANNED')",
    );
    const dynamo = new DynamoDBClient({
      endpoint: first.endpoints.dynamodbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await dynamo.send(
      new PutItemCommand({
        TableName: 'rastup-local-control',
        Item: { pk: { S: 'persist-check' }, note: { S: 'kept' } },
      }),
    );
    dynamo.destroy();
    const firstApiKey = first.endpoints.apiKey;
    const { postgres, dynamodb } = first.processIds;
    await first.stop();
    expect(isAlive(postgres)).toBe(false);
    expect(isAlive(dynamodb)).toBe(false);

    const second = await startLocalStack({ rootDir, stateDir, port: 0, logFile: join(stateDir, 'log') });
    try {
      const cities = await second.db.query<{ name: string }>("SELECT name FROM cities WHERE code = 'us-bos'");
      expect(cities.rows).toEqual([{ name: 'Boston' }]);
      const again = new DynamoDBClient({
        endpoint: second.endpoints.dynamodbEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const item = await again.send(
        new GetItemCommand({ TableName: 'rastup-local-control', Key: { pk: { S: 'persist-check' } } }),
      );
      again.destroy();
      expect(item.Item?.note?.S).toBe('kept');
      expect(second.endpoints.apiKey).toBe(firstApiKey);
    } finally {
      const pids = second.processIds;
      await second.stop();
      expect(isAlive(pids.postgres)).toBe(false);
      expect(isAlive(pids.dynamodb)).toBe(false);
    }
  });
});

/** One DynamoDB document client per container; the endpoint override exists only locally. */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsEnvSchema, configOnce, parseConfig } from '../core/config.ts';
import { traced } from './tracing.ts';

/**
 * Connections kept open between calls (a TLS or TCP handshake per call would cost more than most
 * calls do), and enough of them for the concurrent calls one process makes: a Lambda container has
 * one request at a time, but the local stack serves every domain's concurrent requests from one
 * process, where the agent's pool is what a burst of reads queues on.
 */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 128, maxFreeSockets: 64 } as const;

export const documentClientFromEnv = configOnce(() => {
  const env = parseConfig(awsEnvSchema);
  const client = traced(
    new DynamoDBClient({
      region: env.AWS_REGION,
      requestHandler: { httpAgent: new HttpAgent(AGENT_OPTIONS), httpsAgent: new HttpsAgent(AGENT_OPTIONS) },
      ...(env.DYNAMODB_ENDPOINT
        ? { endpoint: env.DYNAMODB_ENDPOINT, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
        : {}),
    }),
  );
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
});

export function tableNameFromEnv(envVar: string): string {
  const name = process.env[envVar];
  if (!name) throw new Error(`${envVar} is not set`);
  return name;
}

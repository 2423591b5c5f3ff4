import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultProvider } from './credential-provider-env-only.ts';

const names = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
] as const;

describe('bundled credential provider (alias of @aws-sdk/credential-provider-node)', () => {
  const saved: Partial<Record<(typeof names)[number], string>> = {};
  beforeEach(() => {
    for (const name of names) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
  });
  afterEach(() => {
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('returns what the Lambda runtime puts in the environment, session token included', async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret/example',
      AWS_SESSION_TOKEN: 'token-example',
    });
    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret/example',
      sessionToken: 'token-example',
    });
  });

  it('is what a real SDK client signs with when given as its credentialDefaultProvider', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'ASIACLIENT', AWS_SECRET_ACCESS_KEY: 'client-secret' });
    const client = new EventBridgeClient({ region: 'us-east-1', credentialDefaultProvider: defaultProvider });
    try {
      const credentials = await client.config.credentials();
      expect(credentials).toMatchObject({ accessKeyId: 'ASIACLIENT', secretAccessKey: 'client-secret' });
    } finally {
      client.destroy();
    }
  });

  it('falls back to the container credentials endpoint when the environment names one and holds no keys', async () => {
    const expiration = new Date(Date.now() + 3_600_000).toISOString();
    const requests: string[] = [];
    const server = createServer((request, response) => {
      requests.push(request.url ?? '');
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          AccessKeyId: 'ASIACONTAINER',
          SecretAccessKey: 'container-secret',
          Token: 'container-token',
          Expiration: expiration,
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `http://127.0.0.1:${port}/creds`;
      await expect(defaultProvider()()).resolves.toMatchObject({
        accessKeyId: 'ASIACONTAINER',
        secretAccessKey: 'container-secret',
        sessionToken: 'container-token',
      });
      expect(requests).toEqual(['/creds']);
    } finally {
      server.close();
    }
  });

  it('refuses with a message naming this stand-in when the environment has no credentials', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'ASIAONLYKEY';
    await expect(defaultProvider()()).rejects.toThrow(
      /environment only \(infra\/cdk\/bundling\/credential-provider-env-only\.ts\)/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/config.ts';
import { databaseRoles } from '../core/db/database-roles.ts';
import { databaseConnection, databasePoolOptions } from './database.ts';

const aws = {
  DB_PROXY_ENDPOINT: 'rastup-dev-proxy.proxy-abc.us-east-1.rds.amazonaws.com',
  DB_USER: 'rastup_auth',
  DB_NAME: 'rastup',
  AWS_REGION: 'us-east-1',
};

describe('databaseConnection', () => {
  it('locally logs in as the domain role on the server DATABASE_URL names, never as the URL user', () => {
    const connection = databaseConnection('profiles', {
      DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:54329/rastup',
    });
    expect(connection).toEqual({
      kind: 'url',
      user: 'rastup_profiles',
      connectionString: 'postgres://rastup_profiles@127.0.0.1:54329/rastup',
      max: 5,
    });
  });

  it('gives every role a distinct user', () => {
    const users = databaseRoles.map((role) => databaseConnection(role, { DATABASE_URL: 'postgres://x@h/db' }).user);
    expect(new Set(users).size).toBe(databaseRoles.length);
  });

  it('in AWS connects to the proxy as DB_USER with IAM', () => {
    expect(databaseConnection('auth', aws)).toEqual({
      kind: 'iam',
      user: 'rastup_auth',
      host: aws.DB_PROXY_ENDPOINT,
      port: 5432,
      database: 'rastup',
      region: 'us-east-1',
      max: 5,
    });
  });

  it("refuses at cold start code whose role is not the function's DB_USER (its IAM policy names only that user)", () => {
    expect(() => databaseConnection('media', aws)).toThrow(ConfigError);
    expect(() => databaseConnection('media', aws)).toThrow(
      /may connect as rastup_auth, but its media code needs rastup_media/,
    );
  });

  it('names what is missing', () => {
    expect(() => databaseConnection('auth', {})).toThrow(/DATABASE_URL or DB_PROXY_ENDPOINT/);
    expect(() => databaseConnection('auth', { ...aws, DB_USER: undefined })).toThrow(/DB_USER: required/);
    expect(() => databaseConnection('auth', { ...aws, AWS_REGION: undefined })).toThrow(/AWS_REGION/);
    // The master secret is no longer a way in.
    expect(() =>
      databaseConnection('auth', {
        DB_PROXY_ENDPOINT: aws.DB_PROXY_ENDPOINT,
        DB_SECRET_ARN: 'arn:aws:secretsmanager:x',
      }),
    ).toThrow(/DB_USER: required/);
  });
});

describe('databasePoolOptions in AWS', () => {
  it('uses a fresh IAM auth token for the role as the password, over verified TLS', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG' });
    try {
      const options = await databasePoolOptions(databaseConnection('auth', aws));
      expect(options.connectionString).toBeUndefined();
      const { password, ...rest } = options.connection!;
      expect(rest).toEqual({
        host: aws.DB_PROXY_ENDPOINT,
        port: 5432,
        database: 'rastup',
        user: 'rastup_auth',
        ssl: { rejectUnauthorized: true, servername: aws.DB_PROXY_ENDPOINT },
      });
      const token = await (password as () => Promise<string>)();
      const url = new URL(`https://${token}`);
      expect(url.host).toBe(`${aws.DB_PROXY_ENDPOINT}:5432`);
      expect(url.searchParams.get('Action')).toBe('connect');
      expect(url.searchParams.get('DBUser')).toBe('rastup_auth');
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/us-east-1\/rds-db\/aws4_request$/);
      expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    } finally {
      process.env = saved;
    }
  });
});

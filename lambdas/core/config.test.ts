import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import {
  ConfigError,
  awsEnvSchema,
  baseEnvSchema,
  configOnce,
  databaseEnvSchema,
  parseConfig,
  webOriginsEnvSchema,
} from './config.ts';

const schema = baseEnvSchema.extend(databaseEnvSchema.shape).extend(awsEnvSchema.shape);

describe('parseConfig', () => {
  it('returns typed values with defaults applied', () => {
    const config = parseConfig(schema, {
      STAGE: 'dev',
      DB_POOL_MAX: '12',
      DATABASE_URL: 'postgres://localhost:5432/rastup',
    });
    expect(config).toEqual({
      STAGE: 'dev',
      LOG_LEVEL: 'info',
      SERVICE_NAME: 'rastup',
      DATABASE_URL: 'postgres://localhost:5432/rastup',
      DB_NAME: 'rastup',
      DB_PORT: 5432,
      DB_POOL_MAX: 12,
      AWS_REGION: 'us-east-1',
    });
    expect(typeof config.DB_POOL_MAX).toBe('number');
  });

  it('keeps values that are set over the defaults', () => {
    const config = parseConfig(baseEnvSchema, { STAGE: 'prod', LOG_LEVEL: 'warn', SERVICE_NAME: 'auth' });
    expect(config).toEqual({ STAGE: 'prod', LOG_LEVEL: 'warn', SERVICE_NAME: 'auth' });
  });

  it('lists every problem, naming the variables but never their values', () => {
    const env = {
      STAGE: 'production-secret-stage',
      LOG_LEVEL: 'verbose-secret-level',
      DATABASE_URL: 'not a url with hunter2',
      DB_POOL_MAX: '9999',
      S3_ENDPOINT: 'also not a url s3cr3t',
    };
    let thrown: unknown;
    try {
      parseConfig(schema, env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    const names = error.problems.map((problem) => problem.split(':')[0]);
    expect(names.sort()).toEqual(['DATABASE_URL', 'DB_POOL_MAX', 'LOG_LEVEL', 'S3_ENDPOINT', 'STAGE']);
    for (const problem of error.problems) expect(error.message).toContain(problem);
    for (const secret of ['production-secret-stage', 'verbose-secret-level', 'hunter2', '9999', 's3cr3t']) {
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error.problems)).not.toContain(secret);
    }
  });

  it('reports a missing required variable', () => {
    expect(() => parseConfig(baseEnvSchema, {})).toThrow(/STAGE/);
  });

  it('labels a root-level problem', () => {
    expect(() => parseConfig(z.string(), {})).toThrow(
      expect.objectContaining({ problems: [expect.stringMatching(/^\(root\): /)] }),
    );
  });
});

describe('configOnce', () => {
  it('loads once and returns the same value after', () => {
    const load = vi.fn(() => ({ n: Math.random() }));
    const get = configOnce(load);
    const first = get();
    expect(get()).toBe(first);
    expect(load).toHaveBeenCalledTimes(1);
  });
});

describe('ALLOWED_WEB_ORIGINS', () => {
  it('parses a comma-separated list into origins as browsers send them', () => {
    expect(
      parseConfig(webOriginsEnvSchema, { ALLOWED_WEB_ORIGINS: 'https://rastup.com/, http://localhost:3000' })
        .ALLOWED_WEB_ORIGINS,
    ).toEqual(['https://rastup.com', 'http://localhost:3000']);
  });

  it('is required and refuses anything that is not an http(s) origin', () => {
    expect(() => parseConfig(webOriginsEnvSchema, {})).toThrow(/ALLOWED_WEB_ORIGINS/);
    expect(() => parseConfig(webOriginsEnvSchema, { ALLOWED_WEB_ORIGINS: ' , ' })).toThrow(ConfigError);
    expect(() => parseConfig(webOriginsEnvSchema, { ALLOWED_WEB_ORIGINS: 'rastup.com' })).toThrow(ConfigError);
    expect(() => parseConfig(webOriginsEnvSchema, { ALLOWED_WEB_ORIGINS: 'ftp://rastup.com' })).toThrow(ConfigError);
  });
});

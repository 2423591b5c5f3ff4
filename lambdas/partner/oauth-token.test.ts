import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import type { ApiGatewayProxyEvent } from '../core/events.ts';
import { deprecationHeaders } from './partner.handler.ts';
import { operations } from './partner.operations.ts';
import { InvalidClientError, InvalidScopeError } from './partner.errors.ts';
import { oauthErrorResult, tokenRequestOf } from './oauth-token.ts';

const event = (headers: Record<string, string>, body = ''): ApiGatewayProxyEvent =>
  ({ httpMethod: 'POST', path: '/oauth2/token', headers, body, isBase64Encoded: false }) as ApiGatewayProxyEvent;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('token request parameters (RFC 6749 §3.1, §3.2, §4.4.2)', () => {
  it('takes client credentials, treats empty parameters as omitted, refuses repeats and other grants', () => {
    expect(tokenRequestOf({ grant_type: 'client_credentials', scope: '' }, event(FORM))).toEqual({
      grant_type: 'client_credentials',
    });
    expect(() =>
      tokenRequestOf({ grant_type: 'client_credentials' }, event(FORM, 'grant_type=client_credentials&grant_type=x')),
    ).toThrow(ValidationError);
    expect(() => tokenRequestOf({ grant_type: 'password' }, event(FORM))).toThrow(/client_credentials/);
    expect(() => tokenRequestOf({}, event(FORM))).toThrow(/grant_type is required/);
    expect(() => tokenRequestOf({ grant_type: 'client_credentials', scope: 'a  b' }, event(FORM))).toThrow(/scope/);
    expect(() => tokenRequestOf({ grant_type: 'client_credentials', client_id: 7 }, event(FORM))).toThrow(
      ValidationError,
    );
  });
});

describe('token error answers (RFC 6749 §5.2)', () => {
  it('maps errors to OAuth codes; invalid_client is 401 + WWW-Authenticate only after Basic', () => {
    const basic = event({ authorization: 'Basic eDp5' });
    const post = event(FORM);
    const failed = new InvalidClientError('Client authentication failed');
    expect(oauthErrorResult(failed, basic, 'req')).toMatchObject({
      status: 401,
      body: { error: 'invalid_client', error_description: 'Client authentication failed' },
      headers: {
        'cache-control': 'no-store',
        pragma: 'no-cache',
        'www-authenticate': expect.stringMatching(/^Basic /),
      },
    });
    const overPost = oauthErrorResult(failed, post, 'req');
    expect(overPost).toMatchObject({ status: 400, body: { error: 'invalid_client' } });
    expect(overPost.headers).not.toHaveProperty('www-authenticate');
    expect(oauthErrorResult(new InvalidScopeError('no'), post, 'req')).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope' },
    });
    expect(oauthErrorResult(new ValidationError('bad'), post, 'req')).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
    // Server errors keep the error object (no internals), still not cacheable.
    expect(oauthErrorResult(new Error('db down: secret'), post, 'req')).toMatchObject({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'Internal error' } },
      headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
    });
  });
});

describe('deprecation headers', () => {
  it('a deprecated operation carries Deprecation (@epoch), Sunset (HTTP date) and Link rel=deprecation; others none', () => {
    const op = {
      ...operations.find((o) => o.operationId === 'listProfiles')!,
      deprecated: {
        since: new Date('2026-12-01T00:00:00Z'),
        sunset: new Date('2027-03-01T00:00:00Z'),
        link: 'https://docs.rastup.example/partner/migrate-v2',
      },
    };
    expect(deprecationHeaders(op)).toEqual({
      deprecation: '@1796083200',
      sunset: 'Mon, 01 Mar 2027 00:00:00 GMT',
      link: '<https://docs.rastup.example/partner/migrate-v2>; rel="deprecation"',
    });
    expect(operations.map(deprecationHeaders).every((headers) => Object.keys(headers).length === 0)).toBe(true);
  });
});

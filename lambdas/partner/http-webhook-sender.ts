/**
 * Sends one webhook request with node:http(s). Redirects are not followed (a 3xx is a failure), the
 * answer body is read only up to a small limit, and — outside local/test — the DNS lookup made for
 * the connection itself refuses private addresses, so DNS rebinding between the check and the
 * connect cannot reach an internal host.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isPrivateAddress } from './webhook-target.ts';

export interface WebhookSendResult {
  readonly status: number | null;
  readonly ms: number;
  readonly error: string | null;
}

export interface WebhookSender {
  send(url: string, headers: Record<string, string>, body: string): Promise<WebhookSendResult>;
}

export class RefusedAddressError extends Error {
  readonly code = 'EWEBHOOKPRIVATE';
}

/** dns.lookup that answers only public addresses (all of them are checked, so none can slip through). */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = addresses;
    const refused = list.find((entry) => isPrivateAddress(entry.address));
    if (refused || list.length === 0)
      return callback(new RefusedAddressError(`${hostname} resolves to a non-public address`), '', 0);
    if ((options as { all?: boolean }).all)
      return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
};

export class HttpWebhookSender implements WebhookSender {
  constructor(
    private readonly timeoutMs: number,
    private readonly allowPrivate: boolean,
  ) {}

  send(url: string, headers: Record<string, string>, body: string): Promise<WebhookSendResult> {
    const started = performance.now();
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : http;
    if (!this.allowPrivate && target.protocol !== 'https:')
      return Promise.resolve({ status: null, ms: 0, error: 'https required' });
    return new Promise((resolve) => {
      const done = (status: number | null, error: string | null) =>
        resolve({ status, ms: Math.round(performance.now() - started), error });
      const request = transport.request(
        target,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          timeout: this.timeoutMs,
          ...(this.allowPrivate ? {} : { lookup: publicOnlyLookup }),
          agent: false,
        },
        (response) => {
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > 64 * 1024) response.destroy();
          });
          response.on('end', () => done(response.statusCode ?? null, null));
          response.on('close', () => done(response.statusCode ?? null, null));
          response.on('error', () => done(response.statusCode ?? null, null));
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error: Error & { code?: string }) => done(null, error.code ?? error.message));
      request.end(body);
    });
  }
}

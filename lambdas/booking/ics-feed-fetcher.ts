/**
 * Fetches one external calendar (an adapter: node:http(s), no domain rules). GET only, redirects
 * not followed (a 3xx is a failure: the target of a redirect was never checked), the body read only
 * up to `maxBytes` (declared or streamed), the whole exchange bounded by `timeoutMs`, and the
 * connection made through `guardedLookup`, so the address connected to is the address checked.
 * Every failure is an outcome with a short reason, never a throw: one bad feed must not stop a run.
 */
import http from 'node:http';
import https from 'node:https';
import { checkFeedUrl, guardedLookup } from './feed-url.ts';

export type FetchOutcome =
  { readonly ok: true; readonly body: string } | { readonly ok: false; readonly error: string };

/** The port the calendar service uses (tests pass a fake; production this adapter). */
export interface CalendarFetcher {
  fetch(url: string): Promise<FetchOutcome>;
}

export interface FetcherLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly allowLoopback: boolean;
}

export class HttpCalendarFetcher implements CalendarFetcher {
  constructor(private readonly limits: FetcherLimits) {}

  fetch(raw: string): Promise<FetchOutcome> {
    let url: URL;
    try {
      url = checkFeedUrl(raw, this.limits.allowLoopback);
    } catch (error) {
      return Promise.resolve({ ok: false, error: `refused: ${(error as Error).message}` });
    }
    const { timeoutMs, maxBytes, allowLoopback } = this.limits;
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<FetchOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: FetchOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(outcome);
      };
      const request = transport.get(
        url,
        {
          headers: { accept: 'text/calendar, */*;q=0.1', 'user-agent': 'RastUp-Calendar/1.0' },
          lookup: guardedLookup(allowLoopback),
          agent: false,
          timeout: timeoutMs,
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status !== 200) {
            response.resume();
            request.destroy();
            return finish({
              ok: false,
              error: status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`,
            });
          }
          const declared = Number(response.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBytes) {
            request.destroy();
            return finish({ ok: false, error: `too large (over ${maxBytes} bytes)` });
          }
          const chunks: Buffer[] = [];
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > maxBytes) {
              request.destroy();
              finish({ ok: false, error: `too large (over ${maxBytes} bytes)` });
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () => finish({ ok: true, body: Buffer.concat(chunks).toString('utf8') }));
          response.on('error', (error: Error & { code?: string }) =>
            finish({ ok: false, error: `read failed: ${error.code ?? error.message}` }),
          );
        },
      );
      // `timeout` above is idle time; this bounds the whole exchange (a slow drip is a timeout too).
      const deadline = setTimeout(() => {
        request.destroy();
        finish({ ok: false, error: `timed out after ${timeoutMs} ms` });
      }, timeoutMs);
      request.on('timeout', () => {
        request.destroy();
        finish({ ok: false, error: `timed out after ${timeoutMs} ms` });
      });
      request.on('error', (error: Error & { code?: string }) =>
        finish({
          ok: false,
          error:
            error.code === 'EFEEDPRIVATE'
              ? `refused: ${error.message}`
              : `connection failed: ${error.code ?? error.message}`,
        }),
      );
    });
  }
}

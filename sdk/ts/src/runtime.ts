/**
 * The hand-written core of the RastUp partner SDK (the generated client in ./client.ts calls it).
 * Runs on `fetch` alone, so it works in Node 18+ and browsers:
 *  - OAuth 2.0 client credentials: fetches a token at /oauth2/token and renews it a minute before
 *    it expires (or at once after a 401);
 *  - retries on 429 and 5xx (and network errors) with exponential backoff and full jitter, waiting
 *    at least what Retry-After says;
 *  - an Idempotency-Key on every POST (generated unless given), reused across the retries of one call;
 *  - errors as `RastUpApiError` with the API's stable `code`.
 */

export interface ClientOptions {
  /** Base URL of the API (the stage's API Gateway), e.g. https://api.rastup.com */
  readonly baseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Space-separated subset of the client's scopes; all of them when absent. */
  readonly scope?: string;
  /** Retries after the first attempt (default 4). */
  readonly maxRetries?: number;
  /** First backoff in ms (default 200), doubling per retry, capped at 20 s. */
  readonly backoffMs?: number;
  readonly fetch?: typeof fetch;
}

export interface RequestOptions {
  readonly idempotencyKey?: string;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

export interface ApiResponse<T> {
  readonly status: number;
  readonly data: T;
  readonly headers: Headers;
}

export class RastUpApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | undefined,
    readonly requestId: string | undefined,
  ) {
    super(message);
    this.name = 'RastUpApiError';
  }
}

function base64(text: string): string {
  // btoa exists in browsers and Node 16+; the credentials are form-urlencoded first (RFC 6749 §2.3.1).
  return btoa(text);
}

function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class PartnerRuntime {
  private token: { value: string; renewAt: number } | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(protected readonly options: ClientOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** A valid access token (cached until a minute before expiry). */
  async accessToken(force = false): Promise<string> {
    if (!force && this.token && Date.now() < this.token.renewAt) return this.token.value;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.options.scope) form.set('scope', this.options.scope);
    const credentials = `${encodeURIComponent(this.options.clientId)}:${encodeURIComponent(this.options.clientSecret)}`;
    const answer = await this.send<{ access_token: string; expires_in: number }>(
      'POST',
      '/oauth2/token',
      {
        headers: { authorization: `Basic ${base64(credentials)}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      },
      false,
    );
    this.token = {
      value: answer.data.access_token,
      renewAt: Date.now() + Math.max(0, answer.data.expires_in - 60) * 1000,
    };
    return this.token.value;
  }

  /** One API call (the generated methods call this). */
  async request<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    input: { query?: Record<string, unknown>; body?: unknown } = {},
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(input.query ?? {}))
      if (value !== undefined && value !== null)
        query.set(name, typeof value === 'object' ? JSON.stringify(value) : `${value as string | number | boolean}`);
    const url = `${path}${query.size ? `?${query.toString()}` : ''}`;
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (method === 'POST') headers['idempotency-key'] = options.idempotencyKey ?? newIdempotencyKey();
    let body: string | undefined;
    if (input.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(input.body);
    }
    return this.send<T>(
      method,
      url,
      { headers, ...(body !== undefined ? { body } : {}), ...(options.signal ? { signal: options.signal } : {}) },
      true,
    );
  }

  private async send<T>(
    method: string,
    url: string,
    init: { headers: Record<string, string>; body?: string; signal?: AbortSignal },
    authenticated: boolean,
  ): Promise<ApiResponse<T>> {
    const maxRetries = this.options.maxRetries ?? 4;
    const base = this.options.backoffMs ?? 200;
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
      if (authenticated) headers.authorization = `Bearer ${await this.accessToken()}`;
      let response: Response | undefined;
      let networkError: unknown;
      try {
        response = await this.fetchImpl(`${this.options.baseUrl.replace(/\/+$/, '')}${url}`, {
          method,
          headers,
          ...(init.body !== undefined ? { body: init.body } : {}),
          ...(init.signal ? { signal: init.signal } : {}),
        });
      } catch (error) {
        if (init.signal?.aborted) throw error;
        networkError = error;
      }
      if (response && response.status === 401 && authenticated && !renewed) {
        // The token expired or was revoked between calls: one fresh token, then the answer stands.
        renewed = true;
        await this.accessToken(true);
        attempt--;
        continue;
      }
      const retryable = networkError !== undefined || response!.status === 429 || response!.status >= 500;
      if (retryable && attempt < maxRetries) {
        const backoff = Math.random() * Math.min(20_000, base * 2 ** attempt);
        const retryAfter = Number(response?.headers.get('retry-after'));
        await sleep(Math.max(backoff, Number.isFinite(retryAfter) ? retryAfter * 1000 : 0));
        continue;
      }
      if (networkError !== undefined) throw networkError instanceof Error ? networkError : new Error('network error');
      const text = await response!.text();
      const data = text ? (JSON.parse(text) as unknown) : undefined;
      if (response!.status >= 400) {
        const body = data as
          | {
              error?:
                { code?: string; message?: string; details?: Record<string, unknown>; requestId?: string } | string;
              error_description?: string;
            }
          | undefined;
        // The token endpoint answers RFC 6749 §5.2 (`error` is the OAuth code); everything else the error object.
        const error =
          typeof body?.error === 'string'
            ? { code: body.error, message: body.error_description, details: undefined, requestId: undefined }
            : body?.error;
        throw new RastUpApiError(
          response!.status,
          error?.code ?? 'UNKNOWN',
          error?.message ?? `HTTP ${response!.status}`,
          error?.details,
          error?.requestId,
        );
      }
      return { status: response!.status, data: data as T, headers: response!.headers };
    }
  }
}

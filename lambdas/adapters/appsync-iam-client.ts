/**
 * Calls the AppSync API as the Lambda's own IAM role (auth mode AWS_IAM): the request is signed
 * with Signature Version 4 (service `appsync`) using the credentials the Lambda runtime puts in the
 * environment. This is how Lambdas publish realtime events: AppSync fans out only on mutations, and
 * the publishing mutations are `@aws_iam`, so no end user can call them. Locally the gateway verifies
 * the same signature with the credentials the stack issued.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { SignatureV4 } from '@smithy/signature-v4';
import { DependencyError } from '../core/errors.ts';

export interface AppSyncIamClientOptions {
  readonly graphqlUrl: string;
  readonly region: string;
  /** Default: the runtime's environment credentials (AWS_ACCESS_KEY_ID, …, AWS_SESSION_TOKEN). */
  readonly credentials?: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
  readonly timeoutMs?: number;
}

export class AppSyncIamClient {
  private readonly signer: SignatureV4;
  private readonly url: URL;

  constructor(private readonly options: AppSyncIamClientOptions) {
    this.url = new URL(options.graphqlUrl);
    this.signer = new SignatureV4({
      service: 'appsync',
      region: options.region,
      credentials: options.credentials ?? fromEnv(),
      sha256: Sha256,
    });
  }

  /** Runs one operation; a transport failure, non-200 answer or any GraphQL error throws (retryable). */
  async execute(query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
    const body = JSON.stringify({ query, variables });
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      ...(this.url.port ? { port: Number(this.url.port) } : {}),
      path: this.url.pathname,
      headers: { host: this.url.host, 'content-type': 'application/json' },
      body,
    });
    // fetch sets Host itself (from the same URL); it may not be passed as a header.
    const { host: _host, ...headers } = signed.headers;
    void _host;
    let answer: { data?: Record<string, unknown> | null; errors?: { errorType?: string; message?: string }[] };
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
      answer = (await response.json()) as typeof answer;
      if (!response.ok) throw new Error(`AppSync answered ${response.status}: ${answer.errors?.[0]?.errorType ?? ''}`);
    } catch (error) {
      throw new DependencyError('The realtime API did not accept the event', undefined, { cause: error });
    }
    if (answer.errors?.length)
      throw new DependencyError(`The realtime API refused the event: ${answer.errors[0]?.errorType ?? 'error'}`);
    return answer.data ?? {};
  }
}

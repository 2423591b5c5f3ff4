/**
 * Resolves secret configuration at cold start, before the config parser runs.
 *
 * For each declared variable `NAME`:
 *  - `NAME` set (non-empty) in the environment: used as is. The local stack and tests set plain
 *    variables, so they never reach Secrets Manager.
 *  - otherwise, `NAME_SECRET_ARN` set: the secret is read (once per ARN, however many variables
 *    point at it) and `NAME` takes its value.
 *
 * Secret format (the contract with infra/definitions/secrets.ts):
 *  - a JSON object with one key per variable name, string values (`{"CAPTCHA_SECRET_KEY": "…"}`);
 *    a key that is missing or holds "" counts as not set (the placeholders operators fill), so the
 *    config parser reports the variable by name if it is required;
 *  - a secret string that does not start with `{` is a single-value secret (e.g. a generated
 *    password such as the Typesense key): the whole string is the value.
 * A string starting with `{` that is not a JSON object of strings is an error, never read as a
 * plain value (a typo in `put-secret-value` must not turn a whole JSON document into a key).
 *
 * Values never appear in errors or log lines: errors name the variable and the secret ARN only.
 * The returned object is a copy of the environment with the resolved values added; process.env
 * is not modified, so nothing else in the process (or a child process) sees the secrets.
 */
import {
  GetSecretValueCommand,
  SecretsManagerClient,
  type GetSecretValueCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import { traced } from './tracing.ts';

/** The part of the Secrets Manager client this adapter uses (tests inject a fake). */
export interface SecretsManagerLike {
  send(command: GetSecretValueCommand): Promise<Pick<GetSecretValueCommandOutput, 'SecretString' | 'SecretBinary'>>;
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface ResolveSecretEnvOptions {
  readonly env?: Env;
  /** Created only when some variable needs a secret; defaults to the SDK client. */
  readonly client?: () => SecretsManagerLike;
  /** Told (names and ARNs only) which declared variables a secret left unset. */
  readonly onUnset?: (variable: string, secretArn: string) => void;
}

export class SecretEnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretEnvError';
  }
}

export const secretArnVariable = (name: string): string => `${name}_SECRET_ARN`;

export async function resolveSecretEnv(
  names: readonly string[],
  options: ResolveSecretEnvOptions = {},
): Promise<Record<string, string | undefined>> {
  const env = options.env ?? process.env;
  const out: Record<string, string | undefined> = { ...env };

  const wanted = new Map<string, string[]>(); // secret ARN -> variables it provides
  for (const name of names) {
    if (env[name]) continue;
    const arn = env[secretArnVariable(name)];
    if (!arn) continue;
    wanted.set(arn, [...(wanted.get(arn) ?? []), name]);
  }
  if (wanted.size === 0) return out;

  const client = (options.client ?? defaultClient)();
  await Promise.all(
    [...wanted].map(async ([arn, variables]) => {
      const values = await readSecret(client, arn, variables);
      for (const variable of variables) {
        const value = values(variable);
        if (value) out[variable] = value;
        else options.onUnset?.(variable, arn);
      }
    }),
  );
  return out;
}

async function readSecret(
  client: SecretsManagerLike,
  arn: string,
  variables: readonly string[],
): Promise<(variable: string) => string | undefined> {
  let answer: Pick<GetSecretValueCommandOutput, 'SecretString' | 'SecretBinary'>;
  try {
    answer = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  } catch (error) {
    // The SDK's error names the secret and the denied action, never the value.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
    throw new SecretEnvError(`Could not read ${variables.join(', ')} from secret ${arn} (${reason})`);
  }
  const text = answer.SecretString;
  if (text === undefined)
    throw new SecretEnvError(
      `Secret ${arn} has no string value (binary secrets are not supported) for ${variables.join(', ')}`,
    );

  if (!text.trimStart().startsWith('{')) {
    if (variables.length > 1) {
      throw new SecretEnvError(
        `Secret ${arn} holds a single value but ${variables.join(', ')} all point at it; store a JSON object with one key per variable`,
      );
    }
    return () => text;
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input: it must not reach an error or a log.
    throw new SecretEnvError(
      `Secret ${arn} starts with "{" but is not valid JSON (needed for ${variables.join(', ')})`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SecretEnvError(`Secret ${arn} is not a JSON object (needed for ${variables.join(', ')})`);
  }
  const record = parsed as Record<string, unknown>;
  for (const variable of variables) {
    const value = record[variable];
    if (value !== undefined && typeof value !== 'string')
      throw new SecretEnvError(`Secret ${arn}: key ${variable} must be a string`);
  }
  return (variable) => record[variable] as string | undefined;
}

function defaultClient(): SecretsManagerLike {
  return traced(new SecretsManagerClient({}));
}

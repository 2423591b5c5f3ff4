/**
 * Audits a log file line by line (Appendix L): every line must be one JSON object that the log-line
 * schema accepts, and no line may carry PII or a secret that the logger's redaction let through:
 * emails, phone numbers, JWTs, bearer credentials, passwords (a password-named field with a value),
 * keys (AWS access keys, PEM private keys, provider secret keys, AppSync-style API keys), and any
 * secret the caller knows by value (the local stack's secrets.json). The integration suite's global
 * teardown runs it over the whole run's log file and fails the run on any finding.
 * The detectors are deliberately independent of log.ts's redaction patterns where they can be:
 * they check the output, not the redactor's intentions.
 */
import { logLineSchema } from '../log-line.schema.ts';

export type LogFindingKind = 'not-json' | 'schema' | 'pii' | 'secret';

export interface LogFinding {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly kind: LogFindingKind;
  readonly detail: string;
  /** Where in the line (a JSON path), when the finding is about one value. */
  readonly path?: string;
}

const DETECTORS: readonly { kind: 'pii' | 'secret'; name: string; pattern: RegExp }[] = [
  { kind: 'pii', name: 'email address', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/ },
  // E.164 and common national formats (at least 9 digits, optional separators); ISO dates excluded.
  {
    kind: 'pii',
    name: 'phone number',
    pattern:
      /(?<![\dA-Za-z])(?!\d{4}-\d{2}-\d{2})(\+\d{1,3}[\s.-]?)?(\(\d{2,4}\)[\s.-]?)?\d{2,4}([\s.-]?\d{2,4}){2,4}(?![\dA-Za-z])/,
  },
  { kind: 'secret', name: 'JWT', pattern: /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/ },
  {
    kind: 'secret',
    name: 'bearer/basic credential',
    pattern: /\b(Bearer|Basic)\s+(?!\[REDACTED)[A-Za-z0-9._~+/=-]{8,}/i,
  },
  { kind: 'secret', name: 'AWS access key id', pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: 'secret', name: 'private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { kind: 'secret', name: 'provider secret key', pattern: /\b(sk|rk|whsec)_(live_|test_)?[A-Za-z0-9]{16,}\b/ },
  { kind: 'secret', name: 'API key', pattern: /\bda2-[a-z0-9]{20,}\b/ },
];

const digitCount = (value: string) => value.replace(/\D/g, '').length;

/**
 * UUIDs (correlation ids) often have all-digit middle groups (`…-9491-4123-8456-…`) that read as a phone
 * number; the logger leaves them whole, so the phone detector looks at the text around them only.
 * A run of that shape without a hex letter is no UUID (the logger masks it as a phone number).
 */
const UUID =
  /(?<![0-9A-Za-z])(?=[0-9-]{0,35}[a-f])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9A-Za-z])/gi;

/** Field names whose value is a secret or PII whatever it looks like: only a redaction marker or null may stand there. */
const SECRET_FIELD =
  /^(password|new_?password|current_?password|passphrase|secret|client_?secret|token|access_?token|refresh_?token|id_?token|mfa_?token|authorization|cookie|set-cookie|api_?key|x-api-key|private_?key|otp|code_?verifier|email|phone|phone_?number)$/i;
const REDACTED = /^\[REDACTED(:[a-z]+)?\]$/;

function scanValue(
  value: unknown,
  path: string,
  report: (kind: 'pii' | 'secret', detail: string, path: string) => void,
) {
  if (typeof value === 'string') {
    for (const detector of DETECTORS) {
      const match = detector.pattern.exec(detector.name === 'phone number' ? value.replace(UUID, 'uuid') : value);
      if (!match) continue;
      if (detector.name === 'phone number' && digitCount(match[0]) < 9) continue;
      report(detector.kind, `${detector.name}: ${mask(match[0])}`, path);
    }
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value)) {
    const innerPath = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    if (SECRET_FIELD.test(key) && inner !== null && !(typeof inner === 'string' && REDACTED.test(inner)))
      report(
        key.match(/email|phone/i) ? 'pii' : 'secret',
        `field "${key}" carries a value instead of [REDACTED]`,
        innerPath,
      );
    else scanValue(inner, innerPath, report);
    // A key itself must not be PII either (an email used as a map key).
    for (const detector of DETECTORS.filter((d) => d.name === 'email address'))
      if (detector.pattern.test(key)) report('pii', `email address as a field name: ${mask(key)}`, innerPath);
  }
}

/** Keeps findings readable in CI output without printing the secret again. */
function mask(value: string): string {
  return value.length <= 6 ? '***' : `${value.slice(0, 3)}…(${value.length} chars)`;
}

export interface AuditOptions {
  /** Secrets known by value (from the stack's secrets.json, test credentials): none may appear anywhere. */
  readonly knownSecrets?: readonly string[];
}

export function auditLogLines(lines: readonly string[], options: AuditOptions = {}): LogFinding[] {
  const findings: LogFinding[] = [];
  const known = (options.knownSecrets ?? []).filter((secret) => secret.length >= 8);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      findings.push({ line, kind: 'not-json', detail: `not JSON: ${raw.slice(0, 80)}` });
      return;
    }
    const result = logLineSchema.safeParse(parsed);
    if (!result.success)
      for (const issue of result.error.issues)
        findings.push({ line, kind: 'schema', detail: issue.message, path: `$.${issue.path.join('.')}` });
    scanValue(parsed, '$', (kind, detail, path) => findings.push({ line, kind, detail, path }));
    for (const secret of known)
      if (raw.includes(secret)) findings.push({ line, kind: 'secret', detail: `a known secret (${mask(secret)})` });
  });
  return findings;
}

export function formatFindings(findings: readonly LogFinding[], limit = 40): string {
  const shown = findings
    .slice(0, limit)
    .map((f) => `  line ${f.line} [${f.kind}]${f.path ? ` ${f.path}` : ''}: ${f.detail}`);
  if (findings.length > limit) shown.push(`  … and ${findings.length - limit} more`);
  return shown.join('\n');
}

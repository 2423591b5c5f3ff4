/**
 * Supply-chain policy (seed 001 Appendix M, NTB-SBOM-001), as pure functions over what npm prints:
 *  - licenses: every component of the CycloneDX SBOM (`npm sbom --sbom-format cyclonedx`) carries a
 *    license on the allow-list, or is named in the written exception list with a reason;
 *  - vulnerabilities: every advisory at or above the policy's severity in `npm audit --json` is
 *    either absent or on the allow-list, whose entries carry a reason and an expiry date; an expired
 *    entry fails the gate even when the advisory is gone, so acceptances are revisited.
 * The CLIs beside this file (sbom.ts, license-check.ts, audit-gate.ts) only read files, run npm and
 * print; the decisions live here so unit tests can drive them with npm's real output shapes.
 */
import * as z from 'zod';

// ---------------------------------------------------------------------------------------------
// Licenses

export const licensePolicySchema = z.object({
  allowed: z.array(z.string().min(1)).min(1),
  exceptions: z.array(
    z.object({
      /** Exact package name, or a prefix ending in `*` (platform variants such as @img/sharp-libvips-*). */
      package: z.string().min(1),
      /** The license (SPDX expression, or NOASSERTION when the package declares none) this exception accepts. */
      license: z.string().min(1),
      reason: z.string().min(20),
      reviewed: z.iso.date(),
    }),
  ),
});
export type LicensePolicy = z.infer<typeof licensePolicySchema>;

/** The part of a CycloneDX 1.5 document (as `npm sbom` writes it) the license check reads. */
export const cycloneDxSchema = z.object({
  bomFormat: z.literal('CycloneDX'),
  specVersion: z.string(),
  components: z.array(
    z.object({
      name: z.string(),
      version: z.string().optional(),
      scope: z.string().optional(),
      properties: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
      licenses: z
        .array(
          z.union([
            z.object({ license: z.object({ id: z.string().optional(), name: z.string().optional() }) }),
            z.object({ expression: z.string() }),
          ]),
        )
        .optional(),
    }),
  ),
});
export type CycloneDx = z.infer<typeof cycloneDxSchema>;
type Component = CycloneDx['components'][number];

/** One SPDX expression for a component: several entries are ANDed; none is NOASSERTION. */
export function componentLicense(component: Component): string {
  const parts = (component.licenses ?? [])
    .map((entry) => ('expression' in entry ? entry.expression : (entry.license.id ?? entry.license.name)))
    .filter((part): part is string => Boolean(part));
  if (parts.length === 0) return 'NOASSERTION';
  return parts.length === 1 ? parts[0]! : parts.map((part) => `(${part})`).join(' AND ');
}

/**
 * Whether an SPDX expression is satisfied by the allowed ids: `A OR B` needs one side, `A AND B`
 * both, `A WITH exception` is judged by A. Unknown syntax is not allowed.
 */
export function licenseAllowed(expression: string, allowed: ReadonlySet<string>): boolean {
  const tokens = expression
    .replace(/[()]/g, (p) => ` ${p} `)
    .trim()
    .split(/\s+/);
  let position = 0;
  const peek = () => tokens[position];
  const parseAtom = (): boolean => {
    const token = tokens[position++];
    if (token === undefined) throw new Error('unexpected end');
    if (token === '(') {
      const value = parseOr();
      if (tokens[position++] !== ')') throw new Error('missing )');
      return value;
    }
    if (peek()?.toUpperCase() === 'WITH') position += 2;
    return allowed.has(token.replace(/\+$/, ''));
  };
  const parseAnd = (): boolean => {
    let value = parseAtom();
    while (peek()?.toUpperCase() === 'AND') {
      position++;
      value = parseAtom() && value;
    }
    return value;
  };
  const parseOr = (): boolean => {
    let value = parseAnd();
    while (peek()?.toUpperCase() === 'OR') {
      position++;
      value = parseAnd() || value;
    }
    return value;
  };
  try {
    const value = parseOr();
    return position === tokens.length && value;
  } catch {
    return false;
  }
}

const matchesPackage = (pattern: string, name: string) =>
  pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;

export interface LicenseFinding {
  readonly component: string;
  readonly license: string;
  readonly development: boolean;
}

export interface LicenseReport {
  readonly checked: number;
  /** Components whose license is neither allowed nor excepted: the check fails on any. */
  readonly violations: readonly LicenseFinding[];
  /** Components accepted through an exception, with the exception's reason. */
  readonly excepted: readonly (LicenseFinding & { reason: string })[];
  /** Exceptions that match no component any more: to be removed from the list. */
  readonly unusedExceptions: readonly string[];
  readonly byLicense: ReadonlyMap<string, number>;
}

export function evaluateLicenses(sbom: CycloneDx, policy: LicensePolicy): LicenseReport {
  const allowed = new Set(policy.allowed);
  const violations: LicenseFinding[] = [];
  const excepted: (LicenseFinding & { reason: string })[] = [];
  const used = new Set<number>();
  const byLicense = new Map<string, number>();
  for (const component of sbom.components) {
    const license = componentLicense(component);
    byLicense.set(license, (byLicense.get(license) ?? 0) + 1);
    if (licenseAllowed(license, allowed)) continue;
    const finding: LicenseFinding = {
      component: `${component.name}@${component.version ?? '?'}`,
      license,
      development: (component.properties ?? []).some(
        (p) => p.name === 'cdx:npm:package:development' && p.value === 'true',
      ),
    };
    const index = policy.exceptions.findIndex(
      (exception) => matchesPackage(exception.package, component.name) && exception.license === license,
    );
    if (index === -1) {
      violations.push(finding);
    } else {
      used.add(index);
      excepted.push({ ...finding, reason: policy.exceptions[index]!.reason });
    }
  }
  return {
    checked: sbom.components.length,
    violations,
    excepted,
    unusedExceptions: policy.exceptions.filter((_, index) => !used.has(index)).map((e) => e.package),
    byLicense,
  };
}

// ---------------------------------------------------------------------------------------------
// npm audit

export const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
const rank = (severity: Severity) => SEVERITIES.indexOf(severity);

export const auditAllowlistSchema = z.object({
  failOn: z.enum(SEVERITIES),
  entries: z.array(
    z.object({
      /** The advisory's GitHub id (the tail of its url in `npm audit --json`). */
      advisory: z.string().regex(/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/, 'a GHSA id such as GHSA-xxxx-xxxx-xxxx'),
      package: z.string().min(1),
      reason: z.string().min(20),
      owner: z.string().min(1),
      added: z.iso.date(),
      /** The day after which the entry fails the gate (at most 90 days after `added`). */
      expires: z.iso.date(),
    }),
  ),
});
export type AuditAllowlist = z.infer<typeof auditAllowlistSchema>;

const advisorySchema = z.object({
  source: z.number().optional(),
  name: z.string(),
  title: z.string().optional(),
  url: z.string().optional(),
  severity: z.enum(SEVERITIES),
  range: z.string().optional(),
});

const vulnerabilitiesSchema = z.record(
  z.string(),
  z.object({
    name: z.string(),
    severity: z.enum(SEVERITIES),
    // Strings name another vulnerable package the advisory arrives through; objects are advisories.
    via: z.array(z.union([z.string(), advisorySchema])),
    fixAvailable: z.unknown().optional(),
  }),
);

/**
 * `npm audit --json` (auditReportVersion 2), or the error object npm prints when the advisory
 * endpoint fails (`message`, `statusCode`, `error: { summary, detail }`), as one tagged value.
 */
export const auditReportSchema = z.union([
  z
    .object({ auditReportVersion: z.literal(2), vulnerabilities: vulnerabilitiesSchema })
    .transform(({ vulnerabilities }) => ({ kind: 'report' as const, vulnerabilities })),
  z
    .object({
      message: z.string().optional(),
      error: z.object({ summary: z.string().optional(), detail: z.string().optional() }).optional(),
    })
    .refine((value) => value.message !== undefined || value.error !== undefined)
    .transform((value) => ({
      kind: 'unavailable' as const,
      reason:
        value.message ?? ([value.error?.summary, value.error?.detail].filter(Boolean).join(' ') || 'npm audit failed'),
    })),
]);
export type AuditReport = z.infer<typeof auditReportSchema>;

export interface AdvisoryFinding {
  readonly advisory: string;
  readonly package: string;
  readonly severity: Severity;
  readonly title: string;
  readonly url: string;
}

export interface AuditGateResult {
  /** False when npm could not reach the advisory endpoint: vulnerabilities were not evaluated. */
  readonly evaluated: boolean;
  readonly unavailableReason?: string;
  /** Advisories at or above `failOn`, not allow-listed: the gate fails on any. */
  readonly blocking: readonly AdvisoryFinding[];
  /** Advisories at or above `failOn` accepted by a live allow-list entry. */
  readonly allowed: readonly (AdvisoryFinding & { expires: string })[];
  /** Below the threshold: reported, remediated within the SLA, not blocking. */
  readonly belowThreshold: readonly AdvisoryFinding[];
  /** Entries past their expiry date, or accepted for longer than 90 days: the gate fails on any. */
  readonly invalidEntries: readonly { advisory: string; problem: string }[];
  readonly passed: boolean;
}

const advisoryId = (url: string | undefined, source: number | undefined) =>
  url?.match(/GHSA(-[a-z0-9]{4}){3}/i)?.[0] ?? (source !== undefined ? String(source) : 'unknown');

const MAX_ACCEPTANCE_DAYS = 90;

/** `today` as YYYY-MM-DD (UTC); an entry is live through its expiry day. */
export function evaluateAudit(report: AuditReport, allowlist: AuditAllowlist, today: string): AuditGateResult {
  const invalidEntries: { advisory: string; problem: string }[] = [];
  for (const entry of allowlist.entries) {
    if (entry.expires < today)
      invalidEntries.push({ advisory: entry.advisory, problem: `expired on ${entry.expires}` });
    const days = (Date.parse(entry.expires) - Date.parse(entry.added)) / 86_400_000;
    if (days > MAX_ACCEPTANCE_DAYS || days < 0)
      invalidEntries.push({
        advisory: entry.advisory,
        problem: `accepted for ${days} days (${entry.added} to ${entry.expires}); at most ${MAX_ACCEPTANCE_DAYS}`,
      });
  }

  if (report.kind === 'unavailable') {
    const reason = report.reason;
    return {
      evaluated: false,
      unavailableReason: reason,
      blocking: [],
      allowed: [],
      belowThreshold: [],
      invalidEntries,
      passed: invalidEntries.length === 0,
    };
  }

  const seen = new Set<string>();
  const blocking: AdvisoryFinding[] = [];
  const allowed: (AdvisoryFinding & { expires: string })[] = [];
  const belowThreshold: AdvisoryFinding[] = [];
  for (const vulnerability of Object.values(report.vulnerabilities)) {
    for (const via of vulnerability.via) {
      if (typeof via === 'string') continue; // reported under the package that carries the advisory
      const finding: AdvisoryFinding = {
        advisory: advisoryId(via.url, via.source),
        package: via.name,
        severity: via.severity,
        title: via.title ?? '',
        url: via.url ?? '',
      };
      const key = `${finding.advisory}|${finding.package}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (rank(finding.severity) < rank(allowlist.failOn)) {
        belowThreshold.push(finding);
        continue;
      }
      const entry = allowlist.entries.find(
        (e) => e.advisory.toLowerCase() === finding.advisory.toLowerCase() && e.package === finding.package,
      );
      if (entry && entry.expires >= today) allowed.push({ ...finding, expires: entry.expires });
      else blocking.push(finding);
    }
  }
  return {
    evaluated: true,
    blocking,
    allowed,
    belowThreshold,
    invalidEntries,
    passed: blocking.length === 0 && invalidEntries.length === 0,
  };
}

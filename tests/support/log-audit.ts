/**
 * The integration run's log audit (Appendix L), called by the global teardown once every test
 * file has finished: each line of the stack's log file must match the log-line schema and carry no
 * PII or secret. A finding fails the run (exit code 1: a teardown error alone would not) and keeps a
 * copy of the log next to the report, since the run's state folder is deleted right after.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditLogLines, formatFindings } from '../../lambdas/core/testing/log-audit.ts';

export function auditRunLog(logFile: string, knownSecrets: readonly string[]): void {
  if (!existsSync(logFile)) {
    // The stack writes its ready line at start (infra/local/stack.ts): no file means its sink is broken.
    console.error(`LOG AUDIT FAILED: the stack wrote no log file, not even its ready line (${logFile})`);
    process.exitCode = 1;
    return;
  }
  const lines = readFileSync(logFile, 'utf8').split('\n');
  const findings = auditLogLines(lines, { knownSecrets });
  const count = lines.filter((line) => line.trim() !== '').length;
  if (count === 0) {
    console.error(`LOG AUDIT FAILED: the stack's log file is empty, not even its ready line (${logFile})`);
    process.exitCode = 1;
    return;
  }
  if (findings.length === 0) {
    console.log(`log audit: ${count} lines, all valid against lambdas/core/log-line.schema.json, no PII or secrets`);
    return;
  }
  const kept = join(tmpdir(), `rastup-it-log-audit-${Date.now()}.log`);
  copyFileSync(logFile, kept);
  console.error(
    `LOG AUDIT FAILED: ${findings.length} finding(s) in ${count} lines (log kept at ${kept})\n${formatFindings(findings)}`,
  );
  process.exitCode = 1;
}

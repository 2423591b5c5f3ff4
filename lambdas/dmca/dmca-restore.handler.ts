/**
 * Scheduled job (EventBridge rule in AWS, `scheduledJobs` in infra/definitions/domains.ts; locally
 * `/dev/jobs/dmca-restore[?now=ISO]`): restores the counter-noticed cases whose statutory window has
 * opened, and counts the ones past it (DmcaRestoreOverdue, alarmed) and any restore that failed.
 */
import { dmcaService } from './dmca.module.ts';

export async function handler(
  event: { time?: string } = {},
): Promise<{ restored: string[]; failed: string[]; overdue: string[] }> {
  return (await dmcaService()).restoreDue(event.time ? new Date(event.time) : undefined);
}

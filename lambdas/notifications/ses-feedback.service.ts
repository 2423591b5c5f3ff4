/**
 * SES bounce and complaint feedback → the suppression list (NTB-NOTIF-003). SES publishes its
 * sending events (configuration set event destination) to EventBridge as `aws.ses` events whose
 * `detail` is the SES event record; the same record arrives inside an SNS notification when the
 * destination is SNS. A permanent bounce or any complaint suppresses each recipient it names; a
 * transient bounce (mailbox full, throttled) does not.
 */
import * as z from 'zod';
import type { NotificationsData } from './notifications.repositories.ts';

const recipient = z.object({ emailAddress: z.string().min(3).max(320) });
const sesRecord = z
  .object({
    eventType: z.string().optional(),
    notificationType: z.string().optional(),
    mail: z.object({ messageId: z.string().max(200) }).loose(),
    bounce: z
      .object({
        bounceType: z.string(),
        bouncedRecipients: z.array(recipient),
        feedbackId: z.string().max(200).optional(),
      })
      .loose()
      .optional(),
    complaint: z
      .object({ complainedRecipients: z.array(recipient), feedbackId: z.string().max(200).optional() })
      .loose()
      .optional(),
  })
  .loose();
export type SesRecord = z.infer<typeof sesRecord>;

const eventBridgeEnvelope = z.object({ source: z.literal('aws.ses'), detail: sesRecord }).loose();
const snsEnvelope = z.object({ Type: z.literal('Notification'), Message: z.string() }).loose();

/** The SES record in an EventBridge event or an SNS notification body; null for anything else. */
export function sesRecordOf(input: unknown): SesRecord | null {
  const bridged = eventBridgeEnvelope.safeParse(input);
  if (bridged.success) return bridged.data.detail;
  const sns = snsEnvelope.safeParse(input);
  if (sns.success) {
    try {
      const parsed = sesRecord.safeParse(JSON.parse(sns.data.Message));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
  const bare = sesRecord.safeParse(input);
  return bare.success ? bare.data : null;
}

export class SesFeedbackService {
  constructor(private readonly db: NotificationsData) {}

  /** Returns how many addresses were newly suppressed (0 for a transient bounce or a repeat). */
  async record(input: unknown): Promise<{ suppressed: number; ignored: boolean }> {
    const record = sesRecordOf(input);
    if (!record) return { suppressed: 0, ignored: true };
    const type = record.eventType ?? record.notificationType;
    let addresses: string[] = [];
    let reason: 'BOUNCE' | 'COMPLAINT';
    let sourceId: string;
    if (type === 'Bounce' && record.bounce) {
      if (record.bounce.bounceType !== 'Permanent') return { suppressed: 0, ignored: true };
      addresses = record.bounce.bouncedRecipients.map((r) => r.emailAddress);
      reason = 'BOUNCE';
      sourceId = record.bounce.feedbackId ?? record.mail.messageId;
    } else if (type === 'Complaint' && record.complaint) {
      addresses = record.complaint.complainedRecipients.map((r) => r.emailAddress);
      reason = 'COMPLAINT';
      sourceId = record.complaint.feedbackId ?? record.mail.messageId;
    } else return { suppressed: 0, ignored: true };
    let suppressed = 0;
    await this.db.transaction(async (tx) => {
      for (const address of addresses)
        if (await tx.suppressions.suppress({ channel: 'EMAIL', address, reason, sourceId })) suppressed++;
    });
    return { suppressed, ignored: false };
  }
}

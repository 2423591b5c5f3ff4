/**
 * SES sending events (EventBridge rule on `aws.ses` Bounce/Complaint, or an SNS subscription):
 * permanent bounces and complaints go on the suppression list. Unknown shapes are logged and
 * dropped, never retried forever.
 */
import { addLambdaContext, createLogger, type LambdaContext } from '../core/log.ts';
import { notificationsModule } from './notifications.module.ts';

const logger = createLogger({ service: 'ses-feedback' });

interface SnsBatch {
  readonly Records: readonly { readonly Sns: { readonly Message: string; readonly Type?: string } }[];
}

const isSnsBatch = (event: unknown): event is SnsBatch =>
  typeof event === 'object' && event !== null && Array.isArray((event as SnsBatch).Records);

export async function handler(event: unknown, context?: LambdaContext) {
  if (context) addLambdaContext(context);
  const service = (await notificationsModule()).sesFeedback;
  const inputs = isSnsBatch(event)
    ? event.Records.map((record) => ({ Type: 'Notification', Message: record.Sns.Message }))
    : [event];
  let suppressed = 0;
  for (const input of inputs) {
    const result = await service.record(input);
    if (result.ignored) logger.info('ses event ignored (not a permanent bounce or a complaint)');
    suppressed += result.suppressed;
  }
  return { suppressed };
}

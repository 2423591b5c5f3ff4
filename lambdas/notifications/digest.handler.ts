/**
 * Scheduled (hourly in AWS; /dev/jobs/notification-digest[?now=ISO] locally): the new-message digest run.
 * Hourly, so a digest deferred by quiet hours goes out at the first run after they end.
 */
import { addLambdaContext, createLogger, type LambdaContext } from '../core/log.ts';
import { notificationsModule } from './notifications.module.ts';

const logger = createLogger({ service: 'notification-digest' });

export async function handler(event?: { time?: string }, context?: LambdaContext) {
  if (context) addLambdaContext(context);
  const at = event?.time ? new Date(event.time) : undefined;
  const result = await (await notificationsModule()).digest.run(at && !Number.isNaN(at.getTime()) ? at : undefined);
  logger.info('digest run finished', { ...result });
  return result;
}

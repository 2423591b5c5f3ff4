/** Scheduled (hourly EventBridge rule in AWS): onboarding nudges and weekly digests. */
import { addLambdaContext, createLogger, type LambdaContext } from '../core/log.ts';
import { profilesModule } from './profiles.module.ts';

const logger = createLogger({ service: 'profiles-nudges' });

/** EventBridge scheduled events carry `time`; the local dev route passes one to simulate a run. */
export async function handler(event: { time?: string } = {}, context?: LambdaContext) {
  if (context) addLambdaContext(context);
  const now = event.time ? new Date(event.time) : new Date();
  if (Number.isNaN(now.getTime())) throw new Error('invalid time');
  const result = await (await profilesModule()).nudges.run(now);
  logger.info('nudges handler finished', { nudged: result.nudged, digested: result.digested });
  return result;
}

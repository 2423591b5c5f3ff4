/**
 * The Notifier for this container. Only `capture` (local mailbox) exists on this branch; the
 * SES/Twilio adapter arrives with the auth work, and a stage without it fails at cold start.
 */
import type { Notifier } from '../core/ports.ts';
import { CapturingNotifier } from './capturing-notifier.ts';

export function notifierFromEnv(): Notifier {
  const mode = process.env.NOTIFICATIONS_MODE ?? 'capture';
  if (mode === 'capture') return new CapturingNotifier();
  throw new Error(`NOTIFICATIONS_MODE=${mode} has no adapter on this branch`);
}

/**
 * Consumer Lambda: account deletion (auth's user.deleted). Bookings are kept by law, pseudonymised
 * (NTB-SEC-003). An entry of its own (infra/definitions/domains.ts `bookingErasure`): it needs the
 * booking role and its erasure repository only, not the booking API, its payments adapter or Stripe.
 */
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { bookingErasure } from './booking-erasure.module.ts';

const logger = createLogger({ service: 'booking' });

export const events = createEventDispatcher({
  'user.deleted': async (event) => (await bookingErasure()).onUserDeleted(event),
});

export const handler = createDomainHandler({ logger, events });

/**
 * The DSAR export worker (privacy.export.requested; its own Lambda with a longer timeout than the API's
 * 30 s, `privacyExportWorker` in infra/definitions/domains.ts): builds the bundle of an accepted request.
 */
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { exportService } from './privacy.module.ts';

const logger = createLogger({ service: 'privacy-export-worker' });

export const events = createEventDispatcher({
  'privacy.export.requested': async (event) => (await exportService()).build(event),
});

export const handler = createDomainHandler({ logger, events });

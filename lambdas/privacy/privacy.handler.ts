/** Privacy Lambda: the DSAR export request and its status (AppSync); the user.deleted consumer. */
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createFieldRouter, field, noArgs } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { exportService } from './privacy.module.ts';
import { dataExportArgs } from './privacy.schemas.ts';

const logger = createLogger({ service: 'privacy' });

export const events = createEventDispatcher({
  'user.deleted': async (event) => (await exportService()).onUserDeleted(event),
});

export const handler = createDomainHandler({
  logger,
  events,
  appsync: createFieldRouter(
    {
      'Mutation.requestDataExport': field(noArgs, async (_args, ctx) =>
        (await exportService()).requestExport(ctx.caller),
      ),
      'Query.dataExport': field(dataExportArgs, async ({ id }, ctx) =>
        (await exportService()).exportStatus(ctx.caller, id),
      ),
    },
    logger,
  ),
});

/** DMCA Lambda (NTB-HELP-002): notice intake (API key or signed in), counter notices, the owner's cases, the trust queue. */
import { createFieldRouter, field } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { toDmcaCaseView, toNoticeReceipt } from './dmca.mapper.ts';
import { dmcaService as m } from './dmca.module.ts';
import {
  dmcaQueueArgs,
  fileDmcaCounterNoticeArgs,
  myDmcaCasesArgs,
  recordDmcaSuitArgs,
  submitDmcaNoticeArgs,
} from './dmca.schemas.ts';

const logger = createLogger({ service: 'dmca' });

export const handler = createDomainHandler({
  logger,
  appsync: createFieldRouter(
    {
      'Mutation.submitDmcaNotice': field(submitDmcaNoticeArgs, async ({ input }, { sourceIp }) =>
        toNoticeReceipt(await (await m()).submitNotice(input, { ip: sourceIp })),
      ),
      'Mutation.fileDmcaCounterNotice': field(fileDmcaCounterNoticeArgs, async ({ input }, ctx) =>
        toDmcaCaseView(await (await m()).fileCounterNotice(ctx.caller, input)),
      ),
      'Mutation.recordDmcaSuit': field(recordDmcaSuitArgs, async ({ caseId, reference }, ctx) =>
        toDmcaCaseView(await (await m()).recordSuitFiled(ctx.caller, caseId, reference)),
      ),
      'Query.myDmcaCases': field(myDmcaCasesArgs, async ({ first }, ctx) =>
        (await (await m()).myCases(ctx.caller, first ?? undefined)).map(toDmcaCaseView),
      ),
      'Query.dmcaQueue': field(dmcaQueueArgs, async ({ status, first }, ctx) =>
        (await (await m()).queue(ctx.caller, status ?? undefined, first ?? undefined)).map(toDmcaCaseView),
      ),
    },
    logger,
  ),
});

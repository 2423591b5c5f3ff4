/** DMCA Lambda (NTB-HELP-002): notice intake (API key or signed in), counter notices, the owner's cases, the trust queue. */
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createFieldRouter, field } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { toDmcaCaseView, toNoticeReceipt } from './dmca.mapper.ts';
import { complainantMailer, dmcaService as m } from './dmca.module.ts';
import {
  dmcaQueueArgs,
  fileDmcaCounterNoticeArgs,
  myDmcaCasesArgs,
  recordDmcaSuitArgs,
  submitDmcaNoticeArgs,
} from './dmca.schemas.ts';

const logger = createLogger({ service: 'dmca' });

// Its own event: each complainant gets a copy of the counter notice (§512(g)(2)(B)).
export const events = createEventDispatcher({
  'dmca.counter_noticed': async (event) => (await complainantMailer()).onCounterNoticed(event),
  'dmca.notice_joined': async (event) => (await complainantMailer()).onNoticeJoined(event),
});

export const handler = createDomainHandler({
  logger,
  events,
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

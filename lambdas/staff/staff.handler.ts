/** Staff back-office Lambda: dual-control proposals (refunds, role grants) and staff access. */
import { createFieldRouter, field, noArgs } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { staffService as s } from './staff.module.ts';
import {
  decideProposalArgs,
  proposeRefundArgs,
  proposeRoleGrantArgs,
  staffProposalArgs,
  staffProposalsArgs,
} from './staff.schemas.ts';

const logger = createLogger({ service: 'staff' });

export const handler = createDomainHandler({
  logger,
  appsync: createFieldRouter(
    {
      'Query.myStaffAccess': field(noArgs, async (_args, ctx) => (await s()).myAccess(ctx.caller)),
      'Query.staffProposals': field(staffProposalsArgs, async (args, ctx) => (await s()).proposals(ctx.caller, args)),
      'Query.staffProposal': field(staffProposalArgs, async ({ id }, ctx) => (await s()).proposal(ctx.caller, id)),
      'Mutation.proposeRefund': field(proposeRefundArgs, async ({ input }, ctx) =>
        (await s()).proposeRefund(ctx.caller, input),
      ),
      'Mutation.proposeRoleGrant': field(proposeRoleGrantArgs, async ({ input }, ctx) =>
        (await s()).proposeRoleGrant(ctx.caller, input),
      ),
      'Mutation.decideStaffProposal': field(decideProposalArgs, async ({ input }, ctx) =>
        (await s()).decide(ctx.caller, input),
      ),
    },
    logger,
  ),
});

// AppSync JS resolver (APPSYNC_JS runtime, NONE data source) of Mutation.evictBookingTerms: evicts a
// listing's cached booking terms from the API cache. evictFromApiCache runs only in resolver code, and
// only on mutations, so the booking and profiles Lambdas call this @aws_iam mutation when terms change.
// The caching key is the one in infra/definitions/domains.ts `cachedReads` (`$context.arguments.resourceId`);
// the local gateway runs this same file against its emulated cache.
import { extensions } from '@aws-appsync/utils';

export function request(ctx) {
  return { payload: { resourceId: ctx.arguments.resourceId } };
}

export function response(ctx) {
  extensions.evictFromApiCache('Query', 'bookingTerms', {
    'context.arguments.resourceId': ctx.result.resourceId,
  });
  return ctx.result;
}

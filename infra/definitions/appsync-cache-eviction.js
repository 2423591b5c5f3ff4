// AppSync JS resolver (APPSYNC_JS runtime, NONE data source) of Mutation.evictPublicListing: evicts a
// listing's public page from the API cache. evictFromApiCache runs only in resolver code, and only on
// mutations, so the profiles Lambda calls this @aws_iam mutation when a listing changes.
// The caching key is the one in infra/definitions/domains.ts `cachedReads` (`$context.arguments.slug`);
// the local gateway runs this same file against its emulated cache.
import { extensions } from '@aws-appsync/utils';

const CACHED_PAGES = { PROFILE: 'publicProfile', STUDIO: 'publicStudio' };

export function request(ctx) {
  return { payload: { kind: ctx.arguments.kind, slug: ctx.arguments.slug } };
}

export function response(ctx) {
  extensions.evictFromApiCache('Query', CACHED_PAGES[ctx.result.kind], {
    'context.arguments.slug': ctx.result.slug,
  });
  return ctx.result;
}

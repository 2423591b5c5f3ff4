/** Composition root of the profiles Lambda: one set of services per container. */
import { systemClock } from '../core/clock.ts';
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { createLogger } from '../core/log.ts';
import { AppSyncIamClient } from '../adapters/appsync-iam-client.ts';
import { termsEvictionFromEnv } from '../adapters/appsync-terms-eviction.ts';
import type { ListingTermsEviction } from '../core/ports.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { parseConfig } from '../core/config.ts';
import { notifierFromEnv } from '../adapters/notifier-from-env.ts';
import { staffAuthority } from '../staff/index.ts';
import { ErasedPageEvictions } from './erased-page-evictions.ts';
import { NudgeService } from './nudge.service.ts';
import { scrubListingSlugs } from './outbox-slug-scrub.ts';
import { OwnerErasureService } from './owner-erasure.service.ts';
import { ProfileService } from './profile.service.ts';
import { evictionEnvSchema, profilesConfig } from './profiles.config.ts';
import { AppSyncPublicPageEviction, evictAfterWrite, type PublicPageEviction } from './public-page-eviction.ts';
import { profilesRepositories } from './profiles.repositories.ts';
import { StudioService } from './studio.service.ts';
import { VerificationService } from './verification.service.ts';

export interface ProfilesModule {
  readonly profiles: ProfileService;
  readonly studios: StudioService;
  readonly verifications: VerificationService;
  readonly nudges: NudgeService;
  readonly erasure: OwnerErasureService;
  readonly publicPages: PublicPageEviction;
  /** A listing's cached booking terms (evicted with its page on every listing event). */
  readonly listingTerms: ListingTermsEviction;
  readonly erasedPages: ErasedPageEvictions;
}

/** The AppSync client is made on the first eviction (scheduled jobs never evict, and lack its URL). */
function publicPageEviction(): PublicPageEviction {
  let eviction: AppSyncPublicPageEviction | undefined;
  return {
    evict: (kind, slug) => {
      if (!eviction) {
        const env = parseConfig(evictionEnvSchema);
        eviction = new AppSyncPublicPageEviction(
          new AppSyncIamClient({ graphqlUrl: env.APPSYNC_GRAPHQL_URL, region: env.AWS_REGION }),
        );
      }
      return eviction.evict(kind, slug);
    },
  };
}

let module: Promise<ProfilesModule> | undefined;

export function profilesModule(): Promise<ProfilesModule> {
  module ??= databaseFromEnv('profiles').then((database) => {
    const db = createUnitOfWork(database, profilesRepositories);
    const config = profilesConfig();
    const settings = {
      webBaseUrl: config.PUBLIC_WEB_BASE_URL,
      mediaPublicBaseUrl: config.MEDIA_PUBLIC_BASE_URL,
    };
    const publicPages = publicPageEviction();
    const pagesLogger = createLogger({ service: 'profiles-public-pages' });
    const profiles = new ProfileService(db, settings, systemClock, publicPages, pagesLogger);
    const studios = new StudioService(db, settings, publicPages, pagesLogger);
    return {
      profiles,
      studios,
      publicPages,
      listingTerms: termsEvictionFromEnv(),
      erasedPages: new ErasedPageEvictions(db, publicPages),
      verifications: new VerificationService(db, systemClock, staffAuthority(database, systemClock)),
      erasure: new OwnerErasureService(
        db,
        createLogger({ service: 'profiles-erasure' }),
        // The pages were cached under the slugs the erasure replaced; its events carry the new ones. The
        // fast path, logged on failure: the pending rows it records make it reliable (erasedPages).
        async (slugs) => {
          for (const slug of slugs.profiles) await evictAfterWrite(publicPages, pagesLogger, 'PROFILE', slug);
          for (const slug of slugs.studios) await evictAfterWrite(publicPages, pagesLogger, 'STUDIO', slug);
        },
        scrubListingSlugs,
      ),
      nudges: new NudgeService(
        db,
        profiles,
        notifierFromEnv(),
        config.PUBLIC_BASE_URL,
        createLogger({ service: 'profiles-nudges' }),
      ),
    };
  });
  module.catch(() => (module = undefined));
  return module;
}

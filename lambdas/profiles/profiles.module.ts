/** Composition root of the profiles Lambda: one set of services per container. */
import { systemClock } from '../core/clock.ts';
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { createLogger } from '../core/log.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { notifierFromEnv } from '../adapters/notifier-from-env.ts';
import { NudgeService } from './nudge.service.ts';
import { scrubListingSlugs } from './outbox-slug-scrub.ts';
import { OwnerErasureService } from './owner-erasure.service.ts';
import { ProfileService } from './profile.service.ts';
import { profilesConfig } from './profiles.config.ts';
import { profilesRepositories } from './profiles.repositories.ts';
import { StudioService } from './studio.service.ts';
import { VerificationService } from './verification.service.ts';

export interface ProfilesModule {
  readonly profiles: ProfileService;
  readonly studios: StudioService;
  readonly verifications: VerificationService;
  readonly nudges: NudgeService;
  readonly erasure: OwnerErasureService;
}

let module: Promise<ProfilesModule> | undefined;

export function profilesModule(): Promise<ProfilesModule> {
  module ??= databaseFromEnv('profiles').then((database) => {
    const db = createUnitOfWork(database, profilesRepositories);
    const config = profilesConfig();
    const settings = {
      webBaseUrl: config.PUBLIC_WEB_BASE_URL,
      mediaPublicBaseUrl: config.MEDIA_PUBLIC_BASE_URL,
      publicCacheTtlMs: config.PUBLIC_PAGE_CACHE_MS,
    };
    const profiles = new ProfileService(db, settings, systemClock);
    const studios = new StudioService(db, settings, systemClock);
    return {
      profiles,
      studios,
      verifications: new VerificationService(db, systemClock),
      erasure: new OwnerErasureService(
        db,
        createLogger({ service: 'profiles-erasure' }),
        (slugs) => {
          profiles.forgetPublicPages(slugs.profiles);
          studios.forgetPublicPages(slugs.studios);
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

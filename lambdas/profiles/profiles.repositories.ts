/**
 * The profiles domain's repositories, bound to one `Queryable` (the pool, or a transaction), and
 * what it reads of other domains through their public modules: media's catalog, platform's cities.
 */
import type { Queryable } from '../core/db/database.ts';
import type { TransactionScope, UnitOfWork } from '../core/db/unit-of-work.ts';
import { mediaCatalog, type MediaCatalog } from '../media/index.ts';
import { PostgresCityDirectory, type CityDirectory } from '../platform/index.ts';
import { NotificationRepository, type NotificationStore } from './notification.repository.ts';
import { PageEvictionRepository, type PageEvictionStore } from './page-eviction.repository.ts';
import { ProfileRepository, type ProfileStore } from './profile.repository.ts';
import { StudioRepository, type StudioStore } from './studio.repository.ts';
import { VerificationRepository, type VerificationStore } from './verification.repository.ts';

export interface ProfilesRepositories {
  readonly profiles: ProfileStore;
  readonly studios: StudioStore;
  readonly verifications: VerificationStore;
  readonly notifications: NotificationStore;
  /** Cached pages to evict under slugs an erasure replaced (erased-page-evictions.ts). */
  readonly pageEvictions: PageEvictionStore;
  readonly media: MediaCatalog;
  readonly cities: CityDirectory;
}

export type ProfilesData = UnitOfWork<ProfilesRepositories>;
/** Inside `db.transaction(...)`: the repositories bound to that transaction. */
export type ProfilesTx = TransactionScope<ProfilesRepositories>;

export function profilesRepositories(db: Queryable): ProfilesRepositories {
  return {
    profiles: new ProfileRepository(db),
    studios: new StudioRepository(db),
    verifications: new VerificationRepository(db),
    notifications: new NotificationRepository(db),
    pageEvictions: new PageEvictionRepository(db),
    media: mediaCatalog(db),
    cities: new PostgresCityDirectory(db),
  };
}

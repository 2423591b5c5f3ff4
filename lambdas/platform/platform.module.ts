/** Composition root of the platform Lambda: one service per container. */
import { systemClock } from '../core/clock.ts';
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { staffAuthority } from '../staff/index.ts';
import { platformRepositories } from './platform.repositories.ts';
import { PlatformService } from './platform.service.ts';

let service: Promise<PlatformService> | undefined;

export function platformService(): Promise<PlatformService> {
  service ??= databaseFromEnv('platform').then(
    (db) =>
      new PlatformService(createUnitOfWork(db, platformRepositories), systemClock, staffAuthority(db, systemClock)),
  );
  service.catch(() => (service = undefined));
  return service;
}

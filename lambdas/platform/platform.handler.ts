/** Platform domain Lambda: cities and feature flags (public reads). */
import { systemClock } from '../core/clock.ts';
import { field, createFieldRouter, noArgs } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { CityRepository } from './city.repository.ts';
import { PlatformService } from './platform.service.ts';
import { featureFlagsArgs, setFeatureFlagArgs } from './platform.schemas.ts';

const logger = createLogger({ service: 'platform' });

let service: Promise<PlatformService> | undefined;
function platformService(): Promise<PlatformService> {
  service ??= databaseFromEnv('platform').then((db) => new PlatformService(db, new CityRepository(db), systemClock));
  return service;
}

export const handler = createDomainHandler({
  logger,
  appsync: createFieldRouter(
    {
      'Query.cities': field(noArgs, async () => (await platformService()).listCities()),
      'Query.featureFlags': field(featureFlagsArgs, async ({ city }) => (await platformService()).featureFlags(city)),
      'Mutation.setFeatureFlag': field(setFeatureFlagArgs, async ({ input }, ctx) =>
        (await platformService()).setFeatureFlag(ctx.caller, input),
      ),
    },
    logger,
  ),
});

/** Platform domain Lambda: cities and feature flags (public reads). */
import { field, createFieldRouter, noArgs } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { platformService } from './platform.module.ts';
import { featureFlagsArgs, setFeatureFlagArgs } from './platform.schemas.ts';

const logger = createLogger({ service: 'platform' });

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

import { z } from 'zod';

export const featureFlagsArgs = z.object({
  city: z.string().trim().toLowerCase().regex(/^[a-z]{2}-[a-z0-9-]{2,30}$/, 'must be a city code such as us-nyc'),
});

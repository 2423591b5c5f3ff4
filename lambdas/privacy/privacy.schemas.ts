/** Inputs of the privacy fields (graphql/privacy.graphql): the only definition of each. */
import * as z from 'zod';
import { idSchema } from '../core/ids.ts';

export const dataExportArgs = z.object({ id: idSchema('dataExport') });

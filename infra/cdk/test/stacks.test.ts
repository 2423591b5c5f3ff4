/**
 * One Template assertion suite per stack (network, data, search, async, api, observability).
 * The checks live in one file per concern (*.checks.ts); this entry runs them in one worker so
 * each stage is synthesized once (synth-fixture caches per process) instead of once per file.
 */
import { registerNetworkStackChecks } from './network.stack.checks.ts';
import { registerDataStackChecks } from './data.stack.checks.ts';
import { registerSearchStackChecks } from './search.stack.checks.ts';
import { registerAsyncStackChecks } from './async.stack.checks.ts';
import { registerApiStackChecks } from './api.stack.checks.ts';
import { registerObservabilityStackChecks } from './observability.stack.checks.ts';
import { registerDatabaseAccessChecks } from './database-access.checks.ts';

registerNetworkStackChecks();
registerDataStackChecks();
registerSearchStackChecks();
registerAsyncStackChecks();
registerApiStackChecks();
registerObservabilityStackChecks();
registerDatabaseAccessChecks();

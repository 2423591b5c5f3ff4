/**
 * The auth domain's public module: what other domains (and operator scripts) may import from it.
 * Everything else in lambdas/auth is private (enforced by .dependency-cruiser.cjs). Other domains
 * learn about accounts through events (`user.registered`, `user.deleted`), not through auth's tables.
 */
export { ADMIN_GRANT_ACTOR, grantAdminRole, type AdminGrantInput, type AdminGrantOutcome } from './admin-grant.ts';
export { authRepositories, type AuthData, type AuthRepositories } from './auth.repositories.ts';
export { SigningKeyStore, type PublishedKey, type SigningKey } from './signing-keys.ts';
export { discoveryEnvSchema, discoverySecretVariables, type DiscoveryConfig } from './discovery.config.ts';
export { PostgresContactDirectory, type ContactDirectory } from './contact-directory.ts';
export { accountExportSection, displayNamesOf, markAccountExported } from './account-export.query.ts';

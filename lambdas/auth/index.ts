/**
 * The auth domain's public module: what other domains may import from it. Everything else in
 * lambdas/auth is private.
 *
 * The partner API issues OAuth client-credentials tokens at the same issuer, signed with the same
 * rotating keys (so one JWKS verifies every token the issuer signs): it uses the key store and the
 * key settings below, nothing else of auth.
 */
export { SigningKeyStore, type PublishedKey, type SigningKey } from './signing-keys.ts';
export { discoveryEnvSchema, discoverySecretVariables, type DiscoveryConfig } from './discovery.config.ts';

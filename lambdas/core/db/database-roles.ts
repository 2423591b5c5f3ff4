/**
 * The PostgreSQL roles domain code logs in as (architecture decision 13). Each Lambda connects as
 * exactly one of them; migrations (db/migrations/0700_database_roles.sql and every later migration
 * that adds a table) create them and grant each only what its code touches. In AWS a role logs in
 * through RDS Proxy with an IAM token (the function's IAM policy names that one database user);
 * locally the same roles log in on loopback without a password, so a missing grant fails locally.
 * The master user is for migrations only.
 */
export const databaseRoles = [
  'platform',
  'auth',
  'profiles',
  'media',
  'relay',
  'payments',
  'search',
  'booking',
  'partner',
  'messaging',
  'reviews',
  'staff',
  'notifications',
  'privacy',
  'dmca',
  // The scheduled retention job (lambdas/privacy/retention.handler.ts): deletes what the DSAR export must not.
  'retention',
] as const;

export type DatabaseRole = (typeof databaseRoles)[number];

/** The PostgreSQL user name of a role (the name migrations create and IAM policies name). */
export function databaseUser(role: DatabaseRole): string {
  return `rastup_${role}`;
}

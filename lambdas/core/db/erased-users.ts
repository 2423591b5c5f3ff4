/**
 * The `erased_users` marker: an account whose `user.deleted` has been consumed. Access tokens live
 * on for up to 15 minutes after deletion, so without it a deleted account could create a new
 * profile or studio, upload and publish in that window (new rows default to owner_status ACTIVE).
 *
 * Race safety, by a per-user advisory lock rather than a "mark, then sweep" pass: the erasure
 * consumers take it exclusively (`markErased`) before writing the marker and erasing, and every
 * create/upload/publish/draft-save path takes it shared (`guardNotErased`) as the first statement
 * of its transaction, before any row lock, and holds it to commit. So either the write commits
 * first and the consumer (which waits, then reads with a fresh READ COMMITTED snapshot) erases
 * what it wrote, or the consumer commits first and the write sees the marker and is refused. Writers
 * never wait for each other (shared mode); a sweep would instead need every consumer to know every
 * table a racing write could touch, and would let the write be briefly visible.
 */
import { NotFoundError } from '../errors.ts';
import type { Queryable } from './database.ts';

const lockKey = (userId: string) => `account-erasure:${userId}`;

/** Consumer side (inside its erasure transaction): exclusive lock, then the marker (idempotent). */
export async function markErased(tx: Queryable, userId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey(userId)]);
  await tx.query('INSERT INTO erased_users (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING', [userId]);
}

/** Whether the account was erased; takes the shared lock first (call it inside the write's transaction). */
export async function isErased(tx: Queryable, userId: string): Promise<boolean> {
  await tx.query('SELECT pg_advisory_xact_lock_shared(hashtext($1))', [lockKey(userId)]);
  return ((await tx.query('SELECT 1 FROM erased_users WHERE user_id = $1', [userId])).rowCount ?? 0) > 0;
}

/**
 * Write side: refuses an erased account with the same NOT_FOUND its former rows already answer
 * (owner_status filters), so a stale token learns nothing new. Call before any row lock.
 */
export async function guardNotErased(tx: Queryable, userId: string, message = 'Not found'): Promise<void> {
  if (await isErased(tx, userId)) throw new NotFoundError(message);
}

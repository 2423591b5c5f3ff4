/**
 * Prefixed, sortable identifiers: `usr_01JD…`. The prefix tells a reader (and a log search)
 * what an id names; the ULID body sorts by creation time, which keeps B-tree inserts local.
 */
import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import * as z from 'zod';

export const ID_PREFIXES = {
  user: 'usr',
  profile: 'prf',
  studio: 'std',
  booking: 'bkg',
  thread: 'thr',
  message: 'msg',
  event: 'evt',
  media: 'med',
  session: 'ses',
  device: 'dev',
  partner: 'ptn',
  webhook: 'whk',
  request: 'req',
  audit: 'aud',
  verification: 'vrf',
  journal: 'jnl',
  quote: 'quo',
  bookingLeg: 'bkl',
  partnerClient: 'prt',
  webhookMessage: 'whm',
  calendarFeed: 'icf',
  partnerBrief: 'brf',
  partnerInvite: 'inv',
  review: 'rev',
  reviewReport: 'rvr',
  staffProposal: 'spr',
  staffGrant: 'sgr',
  notification: 'ntf',
  dataExport: 'dsx',
  dmcaNotice: 'dmn',
  dmcaCase: 'dmc',
  attachment: 'att',
  deliverableUpload: 'dlu',
  deliverableSet: 'dls',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;
export type IdPrefix = (typeof ID_PREFIXES)[IdKind];
export type Id<P extends IdPrefix = IdPrefix> = `${P}_${string}`;

/**
 * ulid's own Node PRNG calls crypto.randomBytes(1) once per character (16 synchronous calls into
 * OpenSSL per new millisecond). This is the same generator (a CSPRNG byte / 256, which ulid maps
 * to one of 32 characters, 8 byte values each: uniform) drawn from a 4 KiB buffer refilled by
 * one randomFillSync call every 4,096 characters.
 */
export function bufferedPrng(size = 4096): () => number {
  const pool = Buffer.alloc(size);
  let next = size;
  return () => {
    if (next === size) {
      randomFillSync(pool);
      next = 0;
    }
    return pool[next++]! / 256;
  };
}

const nextUlid = monotonicFactory(bufferedPrng());
const ULID_BODY = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function newId<K extends IdKind>(kind: K): Id<(typeof ID_PREFIXES)[K]> {
  return `${ID_PREFIXES[kind]}_${nextUlid()}` as Id<(typeof ID_PREFIXES)[K]>;
}

export function isId<K extends IdKind>(kind: K, value: unknown): value is Id<(typeof ID_PREFIXES)[K]> {
  if (typeof value !== 'string') return false;
  const prefix = `${ID_PREFIXES[kind]}_`;
  return value.startsWith(prefix) && ULID_BODY.test(value.slice(prefix.length));
}

/** The same rule as `isId` as a regular expression, for schemas that must carry it (JSON Schema `pattern`). */
export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_${ULID_BODY.source.slice(1, -1)}$`);
}

/** zod schema for an id of one kind, for input validation at the edges. */
export function idSchema<K extends IdKind>(kind: K) {
  return z.string().refine((value) => isId(kind, value), { message: `must be a ${ID_PREFIXES[kind]}_ id` });
}

/** Milliseconds since epoch encoded in an id (ULIDs carry their creation time). */
export function idTimestamp(id: string): number {
  const body = id.slice(id.indexOf('_') + 1, id.indexOf('_') + 11);
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let time = 0;
  for (const char of body) time = time * 32 + alphabet.indexOf(char);
  return time;
}

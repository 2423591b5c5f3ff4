/**
 * DynamoDB tables, defined once. The CDK data stack and the local stack both build their
 * tables from these specs, so a key, GSI or TTL attribute cannot exist in one and not the other.
 */
export type AttributeType = 'S' | 'N' | 'B';

export interface KeySpec {
  readonly name: string;
  readonly type: AttributeType;
}

export interface GlobalIndexSpec {
  readonly indexName: string;
  readonly partitionKey: KeySpec;
  readonly sortKey?: KeySpec;
}

export interface TableSpec {
  /** Logical id: stable across stages; the physical name is `rastup-<stage>-<id>`. */
  readonly id: string;
  /** Environment variable through which Lambdas learn the physical name. */
  readonly envVar: string;
  readonly partitionKey: KeySpec;
  readonly sortKey?: KeySpec;
  readonly globalIndexes: readonly GlobalIndexSpec[];
  /** Attribute holding an epoch-seconds expiry; DynamoDB deletes items after it. */
  readonly ttlAttribute?: string;
  readonly purpose: string;
}

/** Messaging single-table (seed 004 §1.4.B.1): threads, participants, messages, cards, tabs. */
export const messagingTable: TableSpec = {
  id: 'messaging',
  envVar: 'MESSAGING_TABLE',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalIndexes: [
    // Inbox list: PARTICIPANT#usr_… ordered by lastMessageAt (write fan-out).
    { indexName: 'GSI1', partitionKey: { name: 'GSI1PK', type: 'S' }, sortKey: { name: 'GSI1SK', type: 'S' } },
    // Project threads by booking group or leg: LBG#lbg_… / LEG#leg_…, ordered by createdAt.
    { indexName: 'GSI2', partitionKey: { name: 'GSI2PK', type: 'S' }, sortKey: { name: 'GSI2SK', type: 'S' } },
  ],
  // Only unsent attachments (ATT#) carry it: a message that claims one removes it.
  ttlAttribute: 'expiresAt',
  purpose: 'messaging single-table (seed 004)',
};

/** Presence and typing (seed 004 §1.4.B.2): items vanish through TTL ~60 s after the last beat. */
export const presenceTable: TableSpec = {
  id: 'presence',
  envVar: 'PRESENCE_TABLE',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalIndexes: [],
  ttlAttribute: 'expiresAt',
  purpose: 'presence and typing with TTL',
};

/** Hot-path control records: rate-limit token buckets and idempotency records, both expiring. */
export const controlTable: TableSpec = {
  id: 'control',
  envVar: 'CONTROL_TABLE',
  partitionKey: { name: 'pk', type: 'S' },
  globalIndexes: [],
  ttlAttribute: 'expiresAt',
  purpose: 'rate-limit buckets and idempotency records with TTL',
};

export const tables: readonly TableSpec[] = [messagingTable, presenceTable, controlTable];

export function physicalTableName(stage: string, spec: TableSpec): string {
  return `rastup-${stage}-${spec.id}`;
}

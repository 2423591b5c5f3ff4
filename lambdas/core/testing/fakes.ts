/**
 * Test support for unit tests of domain services (imported by *.test.ts only): an in-memory unit
 * of work over fake repositories, and a fake of the kernel's own tables (audit log, outbox, consumer
 * inbox, erasure markers) that the kernel writers reach through the transaction.
 */
import type pg from 'pg';
import type { AuditEntryInput } from '../db/audit-log.ts';
import type { Queryable } from '../db/database.ts';
import type { TransactionScope, UnitOfWork } from '../db/unit-of-work.ts';
import type { OutboxEvent } from '../events/event-contract.ts';
import type { StaffRole } from '../staff-authority.ts';

/**
 * A fake of a port that implements only what a test means to exercise: any other member throws,
 * so a test cannot pass by accident through a dependency it did not set up.
 */
export function fake<T extends object>(name: string, members: Partial<T> = {}): T {
  return new Proxy(members, {
    get(target, property) {
      if (property in target) return target[property as keyof typeof target];
      if (property === 'then') return undefined; // not a thenable
      throw new Error(`unit test touched ${name}.${String(property)}, which the fake does not implement`);
    },
  }) as T;
}

const result = <R extends pg.QueryResultRow>(rows: R[], rowCount = rows.length) =>
  ({ rows, rowCount, command: '', oid: 0, fields: [] }) as pg.QueryResult<R>;

/**
 * The kernel's tables in memory. It answers exactly the SQL of appendAudit, enqueueEvent,
 * consumeOnce and the erased-users guard; any other statement is SQL a service runs outside its
 * repositories, and fails the test.
 */
export class FakeKernel implements Queryable {
  readonly audit: AuditEntryInput[] = [];
  readonly events: OutboxEvent<string, Record<string, unknown>>[] = [];
  readonly erased = new Set<string>();
  readonly inbox = new Set<string>();

  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values: readonly unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    return Promise.resolve(this.answer(text, values) as pg.QueryResult<R>);
  }

  private answer(text: string, values: readonly unknown[]): pg.QueryResult {
    if (/pg_advisory_xact_lock/.test(text)) return result([]);
    if (/FROM audit_log ORDER BY seq DESC/.test(text))
      return result(this.audit.length ? [{ seq: this.audit.length, hash: 'f'.repeat(64) }] : []);
    if (/INSERT INTO audit_log/.test(text)) {
      const [, , actor, action, subject, details] = values as [unknown, unknown, string, string, string | null, string];
      this.audit.push({ actor, action, subject, details: JSON.parse(details) as Record<string, unknown> });
      return result([], 1);
    }
    const outbox = /INSERT INTO outbox_events \(([^)]*)\)/.exec(text);
    if (outbox) {
      const columns = outbox[1]!.split(',').map((column) => column.trim());
      const row = Object.fromEntries(columns.map((column, i) => [column, values[i]]));
      const payload = row.payload;
      this.events.push({
        type: String(row.type),
        version: Number(row.version),
        aggregateType: String(row.aggregate_type),
        aggregateId: String(row.aggregate_id),
        payload: (typeof payload === 'string' ? JSON.parse(payload) : payload) as Record<string, unknown>,
      });
      return result([], 1);
    }
    if (/INSERT INTO consumer_inbox/.test(text)) {
      const key = `${String(values[0])}:${String(values[1])}`;
      if (this.inbox.has(key)) return result([], 0);
      this.inbox.add(key);
      return result([], 1);
    }
    if (/FROM erased_users/.test(text)) return result(this.erased.has(String(values[0])) ? [{ '?column?': 1 }] : []);
    if (/INSERT INTO erased_users/.test(text)) {
      this.erased.add(String(values[0]));
      return result([], 1);
    }
    throw new Error(`unit test: SQL outside a repository reached the fake kernel: ${text.slice(0, 120)}`);
  }

  /** Event types in the order they were enqueued. */
  eventTypes(): string[] {
    return this.events.map((event) => event.type);
  }

  auditActions(): string[] {
    return this.audit.map((entry) => entry.action);
  }
}

/**
 * An in-memory unit of work: `transaction(fn)` runs `fn` with the same fake repositories and the
 * fake kernel. There is no rollback: a test of a failure path asserts on what the service refused
 * before writing, which is what the services guarantee by checking before they write.
 */
export function fakeUnitOfWork<R extends object>(
  repos: R,
  kernel = new FakeKernel(),
): UnitOfWork<R> & { readonly kernel: FakeKernel; transactions: number } {
  const uow = {
    ...repos,
    kernel,
    transactions: 0,
    transaction<T>(fn: (tx: TransactionScope<R>) => Promise<T>): Promise<T> {
      uow.transactions++;
      return fn({ ...repos, inTransaction: true, query: (text, values) => kernel.query(text, values) });
    },
  };
  return uow;
}

/**
 * Staff role grants in memory (standing or expiring), shaped as the staff domain's `GrantsInForce`:
 * other domains' unit tests hand it to the staff domain's real `GrantStaffAuthority` with their
 * ManualClock, so an elevation granted, revoked or lapsed between two calls is seen at the next call.
 */
export class MemoryStaffGrants {
  private grants: { userId: string; role: StaffRole; expiresAt: Date | null }[] = [];

  grant(userId: string, role: StaffRole, expiresAt: Date | null = null): void {
    this.grants.push({ userId, role, expiresAt });
  }

  revoke(userId: string, role: StaffRole): void {
    this.grants = this.grants.filter((grant) => !(grant.userId === userId && grant.role === role));
  }

  async rolesInForce(userId: string, at: Date): Promise<StaffRole[]> {
    return this.grants
      .filter((grant) => grant.userId === userId && (grant.expiresAt === null || grant.expiresAt > at))
      .map((grant) => grant.role);
  }
}

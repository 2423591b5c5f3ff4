/** The auth domain's repositories, bound to one `Queryable` (the pool, or a transaction). */
import type { Queryable } from '../core/db/database.ts';
import type { TransactionScope, UnitOfWork } from '../core/db/unit-of-work.ts';
import { CodeRepository, type CodeStore } from './code.repository.ts';
import { MfaRepository, type MfaStore } from './mfa.repository.ts';
import { SessionRepository, type SessionStore } from './session.repository.ts';
import { UserRepository, type UserStore } from './user.repository.ts';

export interface AuthRepositories {
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly codes: CodeStore;
  readonly mfa: MfaStore;
}

export type AuthData = UnitOfWork<AuthRepositories>;
/** Inside `deps.db.transaction(...)`: the repositories bound to that transaction. */
export type AuthTx = TransactionScope<AuthRepositories>;

export function authRepositories(db: Queryable): AuthRepositories {
  return {
    users: new UserRepository(db),
    sessions: new SessionRepository(db),
    codes: new CodeRepository(db),
    mfa: new MfaRepository(db),
  };
}

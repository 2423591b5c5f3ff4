/** Test support (imported by auth's *.test.ts only): an active, verified client account row. */
import { newId } from '../core/ids.ts';
import type { UserRow } from './user.repository.ts';

export function userRow(overrides: Partial<UserRow> = {}): UserRow {
  return {
    id: newId('user'),
    email: 'pat@example.com',
    email_verified_at: new Date(0),
    password_hash: 'x',
    password_changed_at: null,
    display_name: 'Pat',
    phone: null,
    phone_verified_at: null,
    roles: ['client'],
    status: 'active',
    created_at: new Date(0),
    deleted_at: null,
    last_export_at: null,
    mfa_enabled: false,
    ...overrides,
  };
}

/** Where the local stack keeps its locks (shared by the stack and `npm run reset`). */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Held by a running stack in its state folder: a second stack on the same state (a second terminal,
 * `npm run reset` meanwhile) is refused with the holder's PID instead of corrupting the first.
 */
export const STATE_LOCK_FILE = 'stack.lock';

/**
 * Machine-wide, held while a stack that wants the fixed ports picks and binds them: two checkouts
 * started at once take turns, so the second sees the first's ports taken and falls back to free
 * ones (PORT for the gateway: a clear error) instead of both binding the same port.
 */
export const PORTS_LOCK_FILE = join(tmpdir(), 'rastup-local-ports.lock');

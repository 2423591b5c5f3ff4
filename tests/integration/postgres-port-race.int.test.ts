/**
 * The local stack picks PostgreSQL's port free, then the server binds it a moment later; something else
 * can take the port in between (seen once in CI). A squatter that holds the picked port and accepts TCP
 * without ever answering is the worst case: the start must move to another port, and without a port
 * to move to it must fail with the cause instead of waiting forever on the squatter. Another
 * PostgreSQL on the port answers the readiness probe as ours would: the start must not take it for ours.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '../../infra/local/postgres.ts';
import { freePort } from '../../infra/local/processes.ts';

let root: string;
let squatter: Server;
let squattedPort: number;
const held: Socket[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'rastup-pg-port-race-'));
  squatter = createServer((socket) => held.push(socket)); // accepts, never speaks
  await new Promise<void>((resolve) => squatter.listen({ port: 0, host: '127.0.0.1' }, resolve));
  squattedPort = (squatter.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise((resolve) => squatter.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

describe('PostgreSQL start when its picked port was taken', () => {
  it('starts on a new port and answers there', async () => {
    const lines: string[] = [];
    const postgres = await startPostgres({
      dataDir: join(root, 'pg'),
      port: squattedPort,
      nextPort: () => freePort(),
      database: 'race',
      ephemeral: true,
      log: (line) => lines.push(line),
    });
    try {
      const usedPort = Number(new URL(postgres.url).port);
      expect(usedPort).not.toBe(squattedPort);
      expect(lines).toContain(`port ${squattedPort} was taken before PostgreSQL bound it; starting on ${usedPort}`);
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
      await client.end();
      expect(rows[0]!.db).toBe('race');
    } finally {
      await postgres.stop();
    }
  }, 120_000);

  it('fails with the bind error, not a hang on the squatter, when there is no other port to take', async () => {
    const started = Date.now();
    await expect(
      startPostgres({ dataDir: join(root, 'pg'), port: squattedPort, database: 'race', ephemeral: true }),
    ).rejects.toThrow(/Address already in use|could not create any TCP\/IP sockets/);
    // The probe gives up on the squatter's silent connection after its connect timeout (5 s), well
    // inside the readiness wait (30 s): a probe without a timeout would never return.
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 120_000);
});

describe('PostgreSQL start when another PostgreSQL holds its picked port', () => {
  it('moves to a new port and leaves the other cluster untouched', async () => {
    const other = await startPostgres({
      dataDir: join(root, 'other'),
      port: await freePort(),
      database: 'other',
      ephemeral: true,
    });
    try {
      const otherPort = Number(new URL(other.url).port);
      const lines: string[] = [];
      const ours = await startPostgres({
        dataDir: join(root, 'ours'),
        port: otherPort,
        nextPort: () => freePort(),
        database: 'ours',
        ephemeral: true,
        log: (line) => lines.push(line),
      });
      try {
        const usedPort = Number(new URL(ours.url).port);
        expect(usedPort).not.toBe(otherPort);
        expect(lines).toContain(`port ${otherPort} was taken before PostgreSQL bound it; starting on ${usedPort}`);
        const client = new pg.Client({ connectionString: ours.url });
        await client.connect();
        const { rows } = await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir");
        await client.end();
        expect(rows[0]!.dir).toBe(ours.dataDir);
      } finally {
        await ours.stop();
      }
      // Nothing of ours was created in the other cluster.
      const otherAdmin = new pg.Client({ connectionString: other.adminUrl });
      await otherAdmin.connect();
      const created = await otherAdmin.query("SELECT 1 FROM pg_database WHERE datname = 'ours'");
      await otherAdmin.end();
      expect(created.rowCount).toBe(0);
    } finally {
      await other.stop();
    }
  }, 180_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateToLatest, SessionStore } from '@sess/core';
import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { countSessions, seedExpiredSessions, spawnNode, TEST_META, waitFor } from '@sess/test-kit';
import { beforeAll, expect, it } from 'vitest';

const WORKER = fileURLToPath(new URL('../dist/worker.js', import.meta.url));

forEachDialect(
  (spec) => {
    const table = uniqueTableName('worker');
    const t = useTestDatabase(spec, { sessionTables: [table] });
    beforeAll(() => migrateToLatest(t.db, { tableName: table }));

    it('deletes expired sessions of the shared database on a schedule and exits 0 on SIGTERM', async () => {
      await seedExpiredSessions(t.db, { tableName: table, count: 5 });
      const app = new SessionStore(t.db, { tableName: table });
      await app.create(TEST_META, 'still-signed-in');
      await app.create(TEST_META, 'also-signed-in');

      const out = spawnNode([WORKER], {
        ...process.env,
        DATABASE_URL: t.url,
        SESS_TABLE: table,
        CLEANUP_INTERVAL: '100ms',
        CLEANUP_BATCH_SIZE: '2',
      });

      await waitFor('the first run', () => out.stdout.includes('deleted 5 expired sessions'));
      expect(await countSessions(t.db, table, 'expired')).toBe(0);
      // Sessions that expire while the worker runs are taken by later runs (seeding is one insert at a time, so a run
      // may take some before the rest arrive: count what all later runs report).
      const mark = out.stdout.length;
      const deletedSince = () =>
        [...out.stdout.slice(mark).matchAll(/deleted (\d+) expired sessions/g)].reduce(
          (n, m) => n + Number(m[1]),
          0,
        );
      await seedExpiredSessions(t.db, { tableName: table, count: 3 });
      await waitFor('scheduled runs', () => deletedSince() === 3);
      expect(await countSessions(t.db, table, 'expired')).toBe(0);
      expect(await countSessions(t.db, table, 'live')).toBe(2); // live sessions are never touched

      out.kill('SIGTERM');
      expect(await out.exited).toBe(0);
      expect(out.stdout).toContain('SIGTERM received: waiting for the batch in progress');
      expect(out.stdout).toMatch(/stopped\n$/);
      expect(out.stderr).toBe('');
    });
  },
  { only: ['sqlite-file', 'postgres', 'mysql'] },
);

it('exits 1 with one line when it cannot open its database', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sess-worker-'));
  try {
    const out = spawnNode([WORKER], {
      ...process.env,
      DATABASE_URL: join(dir, 'no', 'such', 'dir', 'sess.sqlite'),
    });
    expect(await out.exited).toBe(1);
    expect(out.stderr).toMatch(/^\[cleanup-worker\] failed to start: .+\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

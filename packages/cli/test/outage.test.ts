import { fileURLToPath } from 'node:url';
import { migrateToLatest } from '@sess/core';
import { forEachDialect, startTcpProxy, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { seedExpiredSessions, spawnNode, waitFor } from '@sess/test-kit';
import { sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { childEnv, deletedByWatch } from './support.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

// node-postgres emits 'error' on the pool for an idle client, and on the client itself for one checked out of the
// pool (in a query, or held between two statements) when the server drops the connection; without a listener on
// both, `sess cleanup --watch` would exit on the first one.
forEachDialect(
  (spec) => {
    const table = uniqueTableName('cli_outage');
    const t = useTestDatabase(spec, { sessionTables: [table] });
    beforeAll(() => migrateToLatest(t.db, { tableName: table }));

    it('cleanup --watch keeps running through a PostgreSQL outage and cleans up again after it', async () => {
      const url = t.url as string;
      const proxy = await startTcpProxy(url);
      const watch = spawnNode(
        [BIN, 'cleanup', '--watch', '--interval', '100ms', '--url', proxy.route(url), '--table', table],
        childEnv(),
      );
      let ended = false;
      void watch.exited.then(() => {
        ended = true;
      });
      try {
        await seedExpiredSessions(t.db, { tableName: table, count: 2 });
        await waitFor('runs before the outage', () => deletedByWatch(watch.stdout) === 2);
        // The next run waits on a lock: its client is checked out of the pool, in a query, when the link is cut.
        await t.db.transaction().execute(async (trx) => {
          await sql`lock table ${sql.table(table)} in access exclusive mode`.execute(trx);
          await new Promise((resolve) => setTimeout(resolve, 300));
          proxy.cut();
          await waitFor('a failed run', () => ended || watch.stderr.includes('sess: cleanup failed'));
        });
        expect(ended, `sess exited during the outage:\n${watch.stderr}`).toBe(false);
        proxy.restore();
        await seedExpiredSessions(t.db, { tableName: table, count: 3 });
        await waitFor('runs after the outage', () => deletedByWatch(watch.stdout) === 5);
        watch.kill('SIGTERM');
        expect(await watch.exited).toBe(0);
        expect(watch.stderr).not.toMatch(/Emitted 'error' event|Unhandled/);
      } finally {
        proxy.restore();
        watch.kill('SIGKILL');
        await proxy.close();
      }
    });
  },
  { only: ['postgres'] },
);

import { join } from 'node:path';
import { migrateToLatest } from '@sess/core';
import { countSessions, seedExpiredSessions } from '@sess/test-kit';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { programOf, useQuickStart } from './support/use-quick-start.js';

/** The app's database the worker quick start opens (the file of the other quick starts). */
const DATABASE_FILE = 'app.sqlite';

function openDatabase(dir: string): Kysely<any> {
  return new Kysely<any>({
    dialect: new SqliteDialect({ database: new Database(join(dir, DATABASE_FILE)) }),
  });
}

describe('examples/cleanup-worker quick start', () => {
  const project = useQuickStart('cleanup-worker', {
    // An app ran here before: three sessions that expired ten days ago.
    before: async (dir) => {
      const db = openDatabase(dir);
      await migrateToLatest(db);
      await seedExpiredSessions(db, { count: 3 });
      await db.destroy();
    },
    ready: (program) => /deleted \d+ expired sessions/.test(program.output()),
  });

  it('deletes the expired sessions at start, then stops cleanly on Ctrl-C', async () => {
    const program = programOf(project());
    expect(program.output()).toContain('deleted 3 expired sessions');
    const db = openDatabase(project().dir);
    expect(await countSessions(db, 'sess_sessions', 'expired')).toBe(0);
    await db.destroy();

    await program.stop('SIGINT');
    expect(program.exited()).toBe(true);
    expect(program.output()).toContain('stopped');
  });
});

import Database from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { meta } from '../test/support/fixtures.js';
import { SessionError } from './errors.js';
import { migrateToLatest } from './migrations.js';
import { SessionStore } from './session-store.js';
import { withStatementCache } from './sqlite-statement-cache.js';

/** A real better-sqlite3 handle that counts how often each SQL text is compiled. */
function countingHandle(): { handle: SqliteDatabase; compiled: Map<string, number> } {
  const sqlite = new Database(':memory:');
  const compiled = new Map<string, number>();
  const handle: SqliteDatabase = {
    prepare: (sql) => {
      compiled.set(sql, (compiled.get(sql) ?? 0) + 1);
      return sqlite.prepare(sql);
    },
    close: () => sqlite.close(),
  };
  return { handle, compiled };
}

describe('withStatementCache', () => {
  const open: Kysely<any>[] = [];
  afterEach(async () => {
    for (const db of open.splice(0)) await db.destroy();
  });
  function kysely(database: SqliteDatabase): Kysely<any> {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
    open.push(db);
    return db;
  }

  it('stops recompiling the per-request lookup on every readByToken', async () => {
    const { handle, compiled } = countingHandle();
    const db = kysely(withStatementCache(handle));
    await migrateToLatest(db);
    const store = new SessionStore(db);
    const { token } = await store.create(meta(), 'alice');
    for (let i = 0; i < 5; i++) expect((await store.readByToken(token))?.userId).toBe('alice');
    const lookup = [...compiled.entries()].find(([sql]) => sql.includes('"token_hash" = ?'));
    expect(lookup?.[1]).toBe(1);
  });

  it('runs the whole store lifecycle (transactions included) on cached statements', async () => {
    const db = kysely(withStatementCache(new Database(':memory:')));
    await migrateToLatest(db);
    const store = new SessionStore(db, { maxSessionsPerUser: 2 });
    const first = await store.create(meta(), 'bob', { n: 1 });
    await store.create(meta(), 'bob');
    await store.create(meta(), 'bob'); // evicts the first
    expect(await store.readByToken(first.token)).toBeNull();
    const { session, token } = await store.create(meta(), 'carol', { n: 1 });
    expect(
      await store.applyChanges(session.id, { data: session.data, version: 0 }, { set: { n: 2 }, remove: [] }),
    ).toBe(true);
    expect((await store.readByToken(token))?.data).toEqual({ n: 2 });
    expect(await store.listForUser('bob')).toHaveLength(2);
    await store.destroyAllForUser('bob');
    expect(await store.listForUser('bob')).toHaveLength(0);
  });

  it('does not hand out a statement that a stream is still reading', async () => {
    // Two Kysely instances on one wrapped handle (one Kysely serialises its own queries while a stream runs).
    const shared = withStatementCache(new Database(':memory:'));
    const reader = kysely(shared);
    const writer = new Kysely<any>({ dialect: new SqliteDialect({ database: shared }) });
    await writer.schema.createTable('items').addColumn('n', 'integer').execute();
    await writer
      .insertInto('items')
      .values([{ n: 1 }, { n: 2 }, { n: 3 }])
      .execute();
    const query = (db: Kysely<any>) => db.selectFrom('items').select('n').orderBy('n');
    await query(writer).execute(); // cache the statement
    const seen: number[] = [];
    for await (const row of query(reader).stream()) {
      // The same SQL while the cached statement is mid-iteration: better-sqlite3 would throw "busy".
      expect(await query(writer).execute()).toHaveLength(3);
      seen.push(row.n);
    }
    expect(seen).toEqual([1, 2, 3]);
  });

  it('drops the least recently used statement past max', async () => {
    const { handle, compiled } = countingHandle();
    const db = kysely(withStatementCache(handle, { max: 2 }));
    const q = (n: number) => db.selectNoFrom((eb) => eb.val(n).as(`v${n}`));
    await q(1).execute();
    await q(2).execute();
    await q(1).execute(); // 1 is now the most recently used
    await q(3).execute(); // evicts 2
    await q(1).execute();
    await q(2).execute();
    const counts = [1, 2, 3].map((n) => compiled.get(q(n).compile().sql));
    expect(counts).toEqual([1, 2, 1]);
  });

  it('sees a column added after the statement was cached', async () => {
    const db = kysely(withStatementCache(new Database(':memory:')));
    await db.schema.createTable('items').addColumn('a', 'integer').execute();
    await db.insertInto('items').values({ a: 1 }).execute();
    expect(await db.selectFrom('items').selectAll().execute()).toEqual([{ a: 1 }]);
    await db.schema
      .alterTable('items')
      .addColumn('b', 'integer', (c) => c.defaultTo(2))
      .execute();
    expect(await db.selectFrom('items').selectAll().execute()).toEqual([{ a: 1, b: 2 }]);
  });

  it('rejects a max below 1 as a configuration error', () => {
    const sqlite = new Database(':memory:');
    try {
      expect(() => withStatementCache(sqlite, { max: 0 })).toThrow(SessionError);
      expect(() => withStatementCache(sqlite, { max: 1.5 })).toThrow(/max/);
    } finally {
      sqlite.close();
    }
  });
});

import { Kysely, PostgresDialect, type PostgresPool, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meta } from '../test/support/fixtures.js';
import { SessionError } from './errors.js';
import { migrateToLatest } from './migrations.js';
import { withPreparedStatements } from './postgres-prepared-statements.js';
import { SessionStore } from './session-store.js';

const URL_ = process.env.SESS_TEST_POSTGRES_URL;
if (!URL_ && process.env.CI) {
  throw new Error(
    'SESS_TEST_POSTGRES_URL is not set: CI must run the withPreparedStatements tests on PostgreSQL.',
  );
}
if (!URL_) console.warn('[sess] withPreparedStatements: skipped because SESS_TEST_POSTGRES_URL is unset');

const TABLE = `prep_${process.pid}_${Date.now().toString(36)}`;
describe.skipIf(!URL_)('withPreparedStatements (PostgreSQL)', () => {
  const open: Kysely<any>[] = [];
  /** One connection, so that pg_prepared_statements (per connection) shows what the tests ran. */
  function kysely(wrap: (pool: PostgresPool) => PostgresPool): Kysely<any> {
    const db = new Kysely<any>({
      dialect: new PostgresDialect({ pool: wrap(new pg.Pool({ connectionString: URL_, max: 1 })) }),
    });
    open.push(db);
    return db;
  }
  async function prepared(db: Kysely<any>): Promise<string[]> {
    const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(
      db,
    );
    return rows.map((r) => r.statement);
  }

  beforeAll(async () => {
    const db = kysely((p) => p);
    await migrateToLatest(db, { tableName: TABLE });
  });
  afterAll(async () => {
    const db = open[0];
    if (db) {
      await db.schema.dropTable(TABLE).ifExists().execute();
      await db.schema.dropTable(`${TABLE}_migrations`).ifExists().execute();
      await db.schema.dropTable(`${TABLE}_migrations_lock`).ifExists().execute();
    }
    for (const d of open.splice(0)) await d.destroy();
  });

  it('prepares the per-request lookup once it repeats, and reuses it', async () => {
    const db = kysely((p) => withPreparedStatements(p));
    const store = new SessionStore(db, { tableName: TABLE });
    const { token } = await store.create(meta(), 'alice');
    expect((await store.readByToken(token))?.userId).toBe('alice');
    expect((await prepared(db)).filter((s) => s.includes('token_hash'))).toHaveLength(0);
    for (let i = 0; i < 3; i++) expect((await store.readByToken(token))?.userId).toBe('alice');
    expect((await prepared(db)).filter((s) => s.includes('"token_hash" = $1'))).toHaveLength(1);
  });

  it('runs the whole store lifecycle (transactions, eviction, patches, cleanup) on named statements', async () => {
    const db = kysely((p) => withPreparedStatements(p));
    const store = new SessionStore(db, { tableName: TABLE, maxSessionsPerUser: 2 });
    for (let round = 0; round < 3; round++) {
      const first = await store.create(meta(), 'bob', { n: 1 });
      await store.create(meta(), 'bob');
      const { session, token } = await store.create(meta(), 'bob'); // evicts the first
      expect(await store.readByToken(first.token)).toBeNull();
      const changes = { set: { n: round }, remove: [] };
      expect(await store.applyChanges(session.id, { data: {}, version: 0 }, changes)).toBe(true);
      expect((await store.readByToken(token))?.data).toEqual({ n: round });
      expect(await store.destroyAllForUser('bob')).toBe(2);
      expect(await store.cleanupExpired()).toBe(0);
    }
    expect((await prepared(db)).length).toBeGreaterThan(3);
  });

  it('leaves statements without parameters and one-off statements unnamed', async () => {
    const db = kysely((p) => withPreparedStatements(p));
    for (let i = 0; i < 3; i++) await sql`select 1 as one`.execute(db);
    await sql`select ${'once'}::text as v`.execute(db);
    expect(await prepared(db)).toEqual([]);
  });

  it('stops naming new statements past max and honours shouldPrepare', async () => {
    const db = kysely((p) =>
      withPreparedStatements(p, { max: 1, shouldPrepare: (s) => !s.includes('skip') }),
    );
    for (let i = 0; i < 3; i++) {
      await sql`select ${i}::int as skip`.execute(db);
      await sql`select ${i}::int as first`.execute(db);
      await sql`select ${i}::int as second`.execute(db);
    }
    const statements = await prepared(db);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toContain('first');
  });

  it('hands Kysely the same wrapper for the same pool client', async () => {
    const pool = withPreparedStatements(new pg.Pool({ connectionString: URL_, max: 1 }));
    try {
      const a = await pool.connect();
      a.release();
      const b = await pool.connect();
      b.release();
      expect(b).toBe(a);
    } finally {
      await pool.end();
    }
  });

  it('rejects a negative or fractional max as a configuration error', () => {
    const pool = new pg.Pool({ connectionString: URL_ });
    expect(() => withPreparedStatements(pool, { max: -1 })).toThrow(SessionError);
    expect(() => withPreparedStatements(pool, { max: 0.5 })).toThrow(/max/);
    return pool.end();
  });
});

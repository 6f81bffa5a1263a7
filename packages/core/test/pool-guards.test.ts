// The stall these guards stop: node-postgres's query_timeout and a mysql2 statement timer fail the statement but leave
// its connection busy with it, and Kysely releases it to the pool as healthy, so with one connection every later
// statement waits behind the stalled one (for ever when the database stalled); and the pools' end() waits for it.
import { forEachDialect, useTestDatabase } from '@sess/test-databases';
import { Kysely, MysqlDialect, PostgresDialect, type RawBuilder, sql } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { guardMysqlPool, guardPostgresPool } from '../src/drivers.js';
import { SessionError } from '../src/errors.js';

const TIMEOUT_MS = 300;

interface GuardedOptions {
  max?: number;
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  onConnectionLost?: (error: Error) => void;
}

/** A Kysely instance on a guarded pool of the server `kind` (the real driver pool, passed as it is). */
function openGuarded(kind: 'postgres' | 'mysql', url: string, options: GuardedOptions = {}): Kysely<any> {
  const max = options.max ?? 1;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const queryTimeoutMs = options.queryTimeoutMs ?? TIMEOUT_MS;
  const onConnectionLost = options.onConnectionLost;
  if (kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: url,
      max,
      connectionTimeoutMillis: connectTimeoutMs,
      query_timeout: queryTimeoutMs,
    });
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const guarded = guardPostgresPool(pool, {
      DatabaseError: pg.DatabaseError,
      connectTimeoutMs,
      queryTimeoutMs,
      onConnectionLost,
    });
    return new Kysely<any>({ dialect: new PostgresDialect({ pool: guarded }) });
  }
  const pool = createPool({ uri: url, connectionLimit: max, connectTimeout: connectTimeoutMs });
  const guarded = guardMysqlPool(pool, { connectTimeoutMs, queryTimeoutMs, onConnectionLost });
  return new Kysely<any>({ dialect: new MysqlDialect({ pool: guarded }) });
}

describe('guardPostgresPool and guardMysqlPool options', () => {
  it('refuse a timeout that is not a whole number of milliseconds with INVALID_CONFIG', () => {
    const pgPool = new pg.Pool({ connectionString: 'postgres://root@127.0.0.1:1/none' });
    const mysqlPool = createPool({ uri: 'mysql://root@127.0.0.1:1/none' });
    const pgOptions = { DatabaseError: pg.DatabaseError, connectTimeoutMs: 1_000, queryTimeoutMs: 1_000 };
    for (const guard of [
      () => guardPostgresPool(pgPool, { ...pgOptions, queryTimeoutMs: -1 }),
      () => guardPostgresPool(pgPool, { ...pgOptions, connectTimeoutMs: 1.5 }),
      () => guardMysqlPool(mysqlPool, { connectTimeoutMs: 0, queryTimeoutMs: 1_000 }),
      () => guardMysqlPool(mysqlPool, { connectTimeoutMs: 1_000, queryTimeoutMs: 2 ** 31 }),
    ]) {
      expect(guard).toThrow(SessionError);
      expect(guard).toThrow(/`guard(Postgres|Mysql)Pool (connect|query)TimeoutMs` must be a whole number/);
    }
    void pgPool.end();
    mysqlPool.end(() => {});
  });
});

forEachDialect(
  (spec) => {
    const kind = spec.name as 'postgres' | 'mysql';
    const url = () => process.env[spec.env as string] as string;
    // An unguarded connection to the same server, to see what the guarded pool's connections run.
    const observer = useTestDatabase(spec);
    const open: Kysely<any>[] = [];
    const guarded = (options?: GuardedOptions) => {
      const db = openGuarded(kind, url(), options);
      open.push(db);
      return db;
    };
    afterEach(async () => {
      for (const db of open.splice(0)) await db.destroy();
    });

    /** The id of the server session a statement runs on: tells a reused connection from a new one. */
    const sessionId = async (db: Kysely<any>) => {
      const query =
        kind === 'postgres'
          ? sql<{ id: number }>`select pg_backend_pid() as id`
          : sql<{ id: number }>`select connection_id() as id`;
      return (await query.execute(db)).rows[0]?.id;
    };
    /** A statement that sleeps `seconds` on the server, marked so that {@link waitUntilRunning} finds it. */
    const sleep = (seconds: number, marker: string): RawBuilder<unknown> =>
      kind === 'postgres'
        ? sql`select /* ${sql.raw(marker)} */ pg_sleep(${seconds})`
        : sql`select /* ${sql.raw(marker)} */ sleep(${seconds})`;
    /** Resolves once the server runs the statement marked `marker` (seen from the observer's connection). */
    const waitUntilRunning = async (marker: string) => {
      const pattern = `%${marker}%`;
      const query =
        kind === 'postgres'
          ? sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
              where pid <> pg_backend_pid() and state = 'active' and query like ${pattern}`
          : sql<{ n: number }>`select count(*) as n from information_schema.processlist
              where id <> connection_id() and info like ${pattern}`;
      const deadline = Date.now() + 5_000;
      while (Number((await query.execute(observer.db)).rows[0]?.n) === 0) {
        if (Date.now() > deadline) throw new Error(`the server never ran the statement marked ${marker}`);
      }
    };
    let markers = 0;
    const marker = () => `sess_guard_${process.pid}_${Date.now().toString(36)}_${markers++}`;

    it('fails a statement unanswered after queryTimeoutMs with ETIMEDOUT and never reuses its connection', async () => {
      const lost: Error[] = [];
      const db = guarded({ onConnectionLost: (error) => lost.push(error) });
      const before = await sessionId(db);
      const started = performance.now();
      await expect(sleep(2, marker()).execute(db)).rejects.toMatchObject({
        message: `the database did not answer a query within ${TIMEOUT_MS} ms`,
        code: 'ETIMEDOUT',
      });
      expect(performance.now() - started).toBeLessThan(1_500);
      const next = performance.now();
      const after = await sessionId(db);
      expect(performance.now() - next).toBeLessThan(1_000); // not queued behind the 2 s sleep
      expect(after).not.toBe(before);
      expect(lost).toHaveLength(1);
      expect(lost[0]).toMatchObject({ code: 'ETIMEDOUT' });
    });

    it('fails the rest of a transaction at once once a statement in it timed out', async () => {
      const db = guarded();
      const started = performance.now();
      const transaction = db.transaction().execute(async (trx) => {
        await sleep(2, marker()).execute(trx);
      });
      await expect(transaction).rejects.toMatchObject({ code: 'ETIMEDOUT' });
      expect(performance.now() - started).toBeLessThan(1_500); // the rollback did not wait for the sleep
      expect(await sessionId(db)).toEqual(expect.any(Number));
    });

    it('keeps a connection on which the server answered with an error', async () => {
      const lost: Error[] = [];
      const db = guarded({ onConnectionLost: (error) => lost.push(error) });
      const before = await sessionId(db);
      await expect(sql`selec 1`.execute(db)).rejects.toThrow(/syntax/i);
      expect(await sessionId(db)).toBe(before);
      expect(lost).toEqual([]);
    });

    it('gives up waiting for a free connection after connectTimeoutMs with ETIMEDOUT', async () => {
      const db = guarded({ connectTimeoutMs: TIMEOUT_MS, queryTimeoutMs: 0 });
      const holder = sleep(3, marker()).execute(db);
      holder.catch(() => {});
      const started = performance.now();
      await expect(sql`select 1`.execute(db)).rejects.toMatchObject({
        message:
          kind === 'postgres'
            ? `no database connection within ${TIMEOUT_MS} ms`
            : `no free database connection within ${TIMEOUT_MS} ms`,
        code: 'ETIMEDOUT',
      });
      expect(performance.now() - started).toBeLessThan(1_500);
    });

    it('ends the pool at once while a statement is stalled, and does not report that connection as lost', async () => {
      const lost: Error[] = [];
      const db = openGuarded(kind, url(), {
        queryTimeoutMs: 0,
        onConnectionLost: (error) => lost.push(error),
      });
      const mark = marker();
      const inFlight = sleep(5, mark).execute(db);
      inFlight.catch(() => {});
      await waitUntilRunning(mark);
      const started = performance.now();
      await db.destroy();
      expect(performance.now() - started).toBeLessThan(1_000);
      await expect(inFlight).rejects.toThrow();
      expect(lost).toEqual([]);
    });
  },
  { only: ['postgres', 'mysql'] },
);

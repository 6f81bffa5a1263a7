import { type DialectSpec, dropSessionTables, forEachDialect, uniqueTableName } from '@sess/test-databases';
import type { DatabaseConnection, Dialect, Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateToLatest, SessionStore } from '../src/index.js';
import { FakeClock } from '../src/testing/index.js';
import { sessionRow } from './support/fixtures.js';

const CLEANERS = 4;
const EXPIRED = 20_000;
const LIVE = 1_000;
const ROWS_PER_INSERT = 1_000;
const BATCH_SIZE = 500;
const NOW = Date.parse('2030-01-01T00:00:00.000Z');

/**
 * Wraps a dialect so that every statement that the database rejects is recorded, including the deadlocks and
 * serialisation failures that the store retries internally (and that would otherwise go unseen).
 */
function recordingErrors(dialect: Dialect, errors: unknown[]): Dialect {
  const patched = new WeakSet<DatabaseConnection>();
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => {
      const driver = dialect.createDriver();
      const acquire = driver.acquireConnection.bind(driver);
      driver.acquireConnection = async () => {
        const connection = await acquire();
        if (!patched.has(connection)) {
          patched.add(connection);
          const execute = connection.executeQuery.bind(connection);
          connection.executeQuery = async (query) => {
            try {
              return await execute(query);
            } catch (error) {
              errors.push(error);
              throw error;
            }
          };
        }
        return connection;
      };
      return driver;
    },
  };
}

/** One short line per recorded error (the statements can be kilobytes long). */
function describeError(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown; sql?: unknown };
  const sql = typeof e.sql === 'string' ? ` [${e.sql.slice(0, 60)}...]` : '';
  return `${String(e.code)}: ${String(e.message)}${sql}`;
}

interface Cleaners {
  /** One Kysely instance per cleaner (or one shared, where the database has a single connection). */
  dbs: Kysely<any>[];
  close(): Promise<void>;
}

/**
 * Opens the cleaners' databases: on PostgreSQL and MariaDB each cleaner gets its own connection pool, on SQLite
 * its own connection to one shared file; PGlite has a single connection, so its cleaners share one Kysely.
 */
async function openCleaners(spec: DialectSpec, errors: unknown[]): Promise<Cleaners> {
  const wrap = (dialect: Dialect) => recordingErrors(dialect, errors);
  const first = await spec.open({ wrap });
  if (spec.name === 'pglite') {
    return { dbs: Array.from({ length: CLEANERS }, () => first.db), close: () => first.close() };
  }
  // SQLite: more connections to the first one's file (it is removed when the first closes, so close that last).
  const sqlitePath = first.url?.replace(/^sqlite:/, '');
  const more = await Promise.all(Array.from({ length: CLEANERS - 1 }, () => spec.open({ wrap, sqlitePath })));
  const opened = [...more, first];
  return {
    dbs: opened.map((t) => t.db),
    close: async () => {
      for (const t of opened) await t.close();
    },
  };
}

/** Fixture row `i`: created 40 days before NOW, one of 997 users. */
function fixtureRow(i: number, expiresAt: number) {
  return sessionRow(i, { createdAt: NOW - 40 * 86_400_000, expiresAt }, { prefix: 'C', users: 997 });
}

forEachDialect(
  (spec) => {
    const errors: unknown[] = [];
    let cleaners: Cleaners;
    let db: Kysely<any>;
    let table: string;
    const liveIds: string[] = [];

    /** Replaces the table's rows with the fixture, in multi-row inserts. */
    async function seed(): Promise<void> {
      await db.deleteFrom(table).execute();
      liveIds.length = 0;
      // Expired rows expire at different instants (oldest first in the index); live rows are spread among them by id,
      // so every batch range and every user mixes expired and live sessions.
      const rows = Array.from({ length: EXPIRED + LIVE }, (_, i) => {
        const live = i % 21 === 20;
        if (live) liveIds.push(fixtureRow(i, 0).id);
        return fixtureRow(i, live ? NOW + 86_400_000 + i : NOW - 1 - (i % 5_000));
      });
      for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
        await db
          .insertInto(table)
          .values(rows.slice(i, i + ROWS_PER_INSERT))
          .execute();
      }
      expect(liveIds).toHaveLength(LIVE);
      errors.length = 0;
    }

    /** Every row left: all live fixture rows and nothing expired. */
    async function expectOnlyLiveRowsLeft(): Promise<void> {
      const left = (await db.selectFrom(table).select(['id', 'expires_at']).execute()) as {
        id: string;
        expires_at: unknown;
      }[];
      expect(left.filter((r) => Number(r.expires_at) <= NOW)).toEqual([]);
      expect(left.map((r) => r.id).sort()).toEqual([...liveIds].sort());
    }

    beforeAll(async () => {
      cleaners = await openCleaners(spec, errors);
      db = cleaners.dbs[0] as Kysely<any>;
      table = uniqueTableName('cleanup_conc');
      await migrateToLatest(db, { tableName: table });
    });
    afterAll(async () => {
      if (db) await dropSessionTables(db, table);
      await cleaners?.close();
    });

    it(`${CLEANERS} cleaners started at once delete exactly the ${EXPIRED} expired sessions, with no error or deadlock, and keep every live one`, async () => {
      await seed();
      const clock = new FakeClock(NOW);
      const stores = cleaners.dbs.map((d) => new SessionStore(d, { tableName: table, now: clock.now }));
      const counts = await Promise.all(stores.map((s) => s.cleanupExpired({ batchSize: BATCH_SIZE })));

      expect(errors.map(describeError)).toEqual([]); // not even a retried deadlock or lock timeout
      expect(counts.reduce((a, b) => a + b, 0)).toBe(EXPIRED);
      await expectOnlyLiveRowsLeft();
      console.info(`[sess] ${spec.name}: rows deleted per cleaner ${counts.join(' + ')} = ${EXPIRED}`);
    });

    it(`${CLEANERS} cleaners with an onEvent hook report each expired session destroyed exactly once, with no error`, async () => {
      await seed();
      const clock = new FakeClock(NOW);
      const destroyed: string[] = [];
      const stores = cleaners.dbs.map(
        (d) =>
          new SessionStore(d, {
            tableName: table,
            now: clock.now,
            onEvent: (e) => {
              if (e.type === 'destroyed' && e.reason === 'expiry_cleanup') destroyed.push(e.sessionId);
            },
          }),
      );
      const counts = await Promise.all(stores.map((s) => s.cleanupExpired({ batchSize: BATCH_SIZE })));

      expect(errors.map(describeError)).toEqual([]);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(EXPIRED);
      expect(destroyed).toHaveLength(EXPIRED);
      expect(new Set(destroyed).size).toBe(EXPIRED);
      await expectOnlyLiveRowsLeft();
    });
    // Separate in-memory databases share nothing, so sqlite-memory has nothing concurrent to test: sqlite-file covers
    // SQLite with four connections to one file.
  },
  { except: ['sqlite-memory'] },
);

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import Database from 'better-sqlite3';
import { type Dialect, Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { pgliteDialect } from './pglite-dialect.js';
import { dropSessionTables } from './tables.js';

/** The databases a suite can run on. `SESS_TEST_DIALECTS` names them; `sqlite` there stands for both SQLite ones. */
export type DialectName = 'sqlite-memory' | 'sqlite-file' | 'pglite' | 'postgres' | 'mysql';

/** An opened test database. */
export interface TestDatabase {
  readonly name: DialectName;
  readonly db: Kysely<any>;
  /**
   * A `DATABASE_URL` naming this same database for another process (the app under test, the CLI): the server's
   * URL, or `sqlite:<file>` for sqlite-file. `undefined` where no other process can reach it (sqlite-memory, pglite).
   */
  readonly url: string | undefined;
  /** Closes the connections (and removes the temporary SQLite file this opened). */
  close(): Promise<void>;
}

/** Options of {@link DialectSpec.open}. */
export interface OpenOptions {
  /** Database session time zone of the connections (where the dialect has one). */
  timeZone?: string | undefined;
  /** Wraps the dialect (a query counter, an injected fault). */
  wrap?: ((dialect: Dialect) => Dialect) | undefined;
  /**
   * sqlite-file only: open this file (created when missing, kept on close) instead of a fresh temporary one, so that
   * several connections share one database.
   */
  sqlitePath?: string | undefined;
}

/** One database of {@link DIALECTS}. */
export interface DialectSpec {
  readonly name: DialectName;
  /** Env var that names the server, for server dialects. */
  readonly env?: string;
  /** Opens a new Kysely instance on this database (PGlite: on the one instance this test file shares). */
  open(options?: OpenOptions): Promise<TestDatabase>;
}

const same = (d: Dialect) => d;

// PGlite takes seconds to start: one instance per test file (module), shared by every suite in it.
let pglite: Promise<PGlite> | undefined;

function openSqliteFile(options: OpenOptions): TestDatabase {
  const dir = options.sqlitePath ? undefined : mkdtempSync(join(tmpdir(), 'sess-test-'));
  const file = options.sqlitePath ?? join(dir as string, 'sessions.sqlite');
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<any>({ dialect: (options.wrap ?? same)(new SqliteDialect({ database })) });
  return {
    name: 'sqlite-file',
    db,
    url: `sqlite:${file}`,
    close: async () => {
      await db.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every database the suites know, in the order they run. */
export const DIALECTS: readonly DialectSpec[] = [
  {
    name: 'sqlite-memory',
    async open(options = {}) {
      const db = new Kysely<any>({
        dialect: (options.wrap ?? same)(new SqliteDialect({ database: new Database(':memory:') })),
      });
      return { name: 'sqlite-memory', db, url: undefined, close: () => db.destroy() };
    },
  },
  {
    name: 'sqlite-file',
    async open(options = {}) {
      return openSqliteFile(options);
    },
  },
  {
    name: 'pglite',
    async open(options = {}) {
      pglite ??= PGlite.create();
      const instance = await pglite;
      if (options.timeZone) await instance.exec(`SET TIME ZONE '${options.timeZone}'`);
      const db = new Kysely<any>({ dialect: (options.wrap ?? same)(pgliteDialect(instance)) });
      return { name: 'pglite', db, url: undefined, close: async () => {} };
    },
  },
  {
    name: 'postgres',
    env: 'SESS_TEST_POSTGRES_URL',
    async open(options = {}) {
      const url = process.env.SESS_TEST_POSTGRES_URL as string;
      const pool = new pg.Pool({
        connectionString: url,
        max: 10,
        ...(options.timeZone ? { options: `-c TimeZone=${options.timeZone}` } : {}),
      });
      const db = new Kysely<any>({ dialect: (options.wrap ?? same)(new PostgresDialect({ pool })) });
      return { name: 'postgres', db, url, close: () => db.destroy() };
    },
  },
  {
    name: 'mysql',
    env: 'SESS_TEST_MYSQL_URL',
    async open(options = {}) {
      const url = process.env.SESS_TEST_MYSQL_URL as string;
      const pool = createPool({
        uri: url,
        connectionLimit: 10,
        ...(options.timeZone ? { timezone: options.timeZone } : {}),
      });
      if (options.timeZone) {
        pool.on('connection', (conn) => {
          conn.query(`SET time_zone = '${options.timeZone}'`);
        });
      }
      const db = new Kysely<any>({ dialect: (options.wrap ?? same)(new MysqlDialect({ pool })) });
      return { name: 'mysql', db, url, close: () => db.destroy() };
    },
  },
];

/** Which dialects a suite covers. */
export interface DialectFilter {
  /** Only these (the suite is about them). @default every dialect */
  only?: readonly DialectName[] | undefined;
  /** Leave these out where a suite has nothing to test (say why at the call). */
  except?: readonly DialectName[] | undefined;
}

/** A dialect of this run, and why it is skipped (`null`: it runs). */
export interface ActiveDialect {
  spec: DialectSpec;
  skip: string | null;
}

/**
 * The dialects this run covers: those of `filter`, each skipped unless `SESS_TEST_DIALECTS` (comma-separated names,
 * `sqlite` for both SQLite ones) lists it. A server dialect whose env var is unset is skipped on a laptop, with a
 * reason to print, and throws under `CI` (CI must run every database).
 */
export function activeDialects(
  filter: DialectFilter = {},
  env: NodeJS.ProcessEnv = process.env,
): ActiveDialect[] {
  const listed = env.SESS_TEST_DIALECTS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const chosen = (name: DialectName) =>
    !listed || listed.includes(name) || (name.startsWith('sqlite-') && listed.includes('sqlite'));
  return DIALECTS.filter(
    (d) => (!filter.only || filter.only.includes(d.name)) && !filter.except?.includes(d.name),
  ).map((spec) => {
    if (!chosen(spec.name)) return { spec, skip: `${spec.name}: not in SESS_TEST_DIALECTS` };
    if (!spec.env || env[spec.env]) return { spec, skip: null };
    if (env.CI) {
      throw new Error(`${spec.env} is not set: CI must run the ${spec.name} tests against a real server.`);
    }
    return {
      spec,
      skip: `${spec.name}: skipped because ${spec.env} is unset (set it to run against a server)`,
    };
  });
}

/**
 * Wraps `describe` once per active dialect: `forEachDialect((spec) => { ... })`, the suite named after the dialect.
 * A skipped one is still listed, as `describe.skip` with its reason (a missing server is also printed).
 *
 * @example
 * ```ts
 * forEachDialect((spec) => {
 *   let t: TestDatabase;
 *   beforeAll(async () => { t = await spec.open(); });
 *   afterAll(() => t.close());
 *   it('...', async () => { await t.db.selectFrom('x').execute(); });
 * }, { only: ['sqlite-memory', 'postgres', 'mysql'] });
 * ```
 */
export function forEachDialect(body: (spec: DialectSpec) => void, filter: DialectFilter = {}): void {
  for (const { spec, skip } of activeDialects(filter)) {
    if (skip) {
      if (spec.env && !process.env[spec.env]) console.warn(`[sess] ${skip}`);
      describe.skip(`${spec.name} (${skip})`, () => body(spec));
    } else {
      describe(spec.name, () => body(spec));
    }
  }
}

/** Options of {@link useTestDatabase}. */
export interface UseOptions extends OpenOptions {
  /**
   * Session tables to drop (with their migration tables) before the database closes. Read when the suite ends, so
   * names pushed during the tests count.
   */
  sessionTables?: readonly string[] | undefined;
}

/**
 * Opens the dialect's database in a `beforeAll` of the calling suite and, in an `afterAll`, drops
 * `sessionTables` and closes it. The returned handle reads the open database: use it inside hooks and tests.
 * Call it first in the suite, so that the suite's own `beforeAll` hooks find the database open and its `afterAll`
 * hooks (stopping a server, say) run before it closes.
 *
 * @example
 * ```ts
 * forEachDialect((spec) => {
 *   const table = uniqueTableName('app');
 *   const t = useTestDatabase(spec, { sessionTables: [table] });
 *   beforeAll(() => migrateToLatest(t.db, { tableName: table }));
 *   it('...', async () => { await t.db.selectFrom(table).execute(); });
 * });
 * ```
 */
export function useTestDatabase(spec: DialectSpec, options: UseOptions = {}): TestDatabase {
  let opened: TestDatabase | undefined;
  const open = (): TestDatabase => {
    if (!opened)
      throw new Error(`the ${spec.name} test database is open only inside the suite's hooks and tests`);
    return opened;
  };
  beforeAll(async () => {
    opened = await spec.open(options);
  });
  afterAll(async () => {
    if (!opened) return;
    for (const table of options.sessionTables ?? []) await dropSessionTables(opened.db, table);
    await opened.close();
    opened = undefined;
  });
  return {
    name: spec.name,
    get db() {
      return open().db;
    },
    get url() {
      return open().url;
    },
    close: () => open().close(),
  };
}

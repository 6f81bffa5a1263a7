import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import Database from 'better-sqlite3';
import { type Dialect, Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { describe } from 'vitest';
import { pgliteDialect } from './pglite-dialect.js';

/** A database the conformance suite runs on. */
export interface TestDatabase {
  readonly name: DialectName;
  readonly db: Kysely<any>;
  /** Sets the database session time zone of new connections (where the dialect has one). */
  close(): Promise<void>;
}

export type DialectName = 'sqlite-memory' | 'sqlite-file' | 'pglite' | 'postgres' | 'mysql';

export interface OpenOptions {
  /** Database session time zone of the connections (where the dialect has one). */
  timeZone?: string;
  /** Wraps the dialect (a query counter, an injected fault). */
  wrap?: (dialect: Dialect) => Dialect;
}

export interface DialectSpec {
  name: DialectName;
  /** Env var that names the server, for server dialects. */
  env?: string;
  open(options?: OpenOptions): Promise<TestDatabase>;
}

const same = (d: Dialect) => d;

// PGlite takes seconds to start: one instance per test file (module), shared by every suite in it.
let pglite: Promise<PGlite> | undefined;

export const DIALECTS: readonly DialectSpec[] = [
  {
    name: 'sqlite-memory',
    async open(options = {}) {
      const wrap = options.wrap ?? same;
      const db = new Kysely<any>({
        dialect: wrap(new SqliteDialect({ database: new Database(':memory:') })),
      });
      return { name: 'sqlite-memory', db, close: () => db.destroy() };
    },
  },
  {
    name: 'sqlite-file',
    async open(options = {}) {
      const wrap = options.wrap ?? same;
      const dir = mkdtempSync(join(tmpdir(), 'sess-test-'));
      const database = new Database(join(dir, 'sessions.sqlite'));
      database.pragma('journal_mode = WAL');
      database.pragma('busy_timeout = 5000');
      const db = new Kysely<any>({ dialect: wrap(new SqliteDialect({ database })) });
      return {
        name: 'sqlite-file',
        db,
        close: async () => {
          await db.destroy();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'pglite',
    async open(options = {}) {
      pglite ??= PGlite.create();
      const instance = await pglite;
      if (options.timeZone) await instance.exec(`SET TIME ZONE '${options.timeZone}'`);
      const db = new Kysely<any>({ dialect: (options.wrap ?? same)(pgliteDialect(instance)) });
      return { name: 'pglite', db, close: async () => {} };
    },
  },
  {
    name: 'postgres',
    env: 'SESS_TEST_POSTGRES_URL',
    async open(options = {}) {
      const pool = new pg.Pool({
        connectionString: process.env.SESS_TEST_POSTGRES_URL,
        max: 10,
        ...(options.timeZone ? { options: `-c TimeZone=${options.timeZone}` } : {}),
      });
      const db = new Kysely<any>({ dialect: (options.wrap ?? same)(new PostgresDialect({ pool })) });
      return { name: 'postgres', db, close: () => db.destroy() };
    },
  },
  {
    name: 'mysql',
    env: 'SESS_TEST_MYSQL_URL',
    async open(options = {}) {
      const pool = createPool({
        uri: process.env.SESS_TEST_MYSQL_URL as string,
        connectionLimit: 10,
        ...(options.timeZone ? { timezone: options.timeZone } : {}),
      });
      if (options.timeZone) {
        pool.on('connection', (conn) => {
          conn.query(`SET time_zone = '${options.timeZone}'`);
        });
      }
      const db = new Kysely<any>({ dialect: (options.wrap ?? same)(new MysqlDialect({ pool })) });
      return { name: 'mysql', db, close: () => db.destroy() };
    },
  },
];

/**
 * The dialects this run covers: all of them, narrowed by `SESS_TEST_DIALECTS` (comma-separated names).
 * A server dialect whose env var is unset is skipped on a laptop, with a line saying so, and fails under CI.
 */
export function activeDialects(): { spec: DialectSpec; skip: string | null }[] {
  const only = process.env.SESS_TEST_DIALECTS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return DIALECTS.filter((d) => !only || only.includes(d.name)).map((spec) => {
    if (!spec.env || process.env[spec.env]) return { spec, skip: null };
    if (process.env.CI) {
      throw new Error(`${spec.env} is not set: CI must run the ${spec.name} tests against a real server.`);
    }
    return {
      spec,
      skip: `${spec.name}: skipped because ${spec.env} is unset (set it to run against a server)`,
    };
  });
}

/**
 * Wraps `describe` once per active dialect: `forEachDialect((spec) => { ... })`. `except` leaves out dialects where
 * a suite has nothing to test (say why at the call).
 */
export function forEachDialect(
  body: (spec: DialectSpec) => void,
  options: { except?: DialectName[] } = {},
): void {
  for (const { spec, skip } of activeDialects()) {
    if (options.except?.includes(spec.name)) continue;
    if (skip) {
      console.warn(`[sess] ${skip}`);
      describe.skip(`${spec.name} (${skip})`, () => body(spec));
    } else {
      describe(spec.name, () => body(spec));
    }
  }
}

let counter = 0;
/** A table name unique to this process and call, so parallel test files never collide. */
export function uniqueTableName(prefix = 't'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

import Database from 'better-sqlite3';
import { type Dialect, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { describe } from 'vitest';

/** A database the middleware tests run on: a fresh dialect per Kysely instance. */
export interface TestDatabase {
  readonly name: 'sqlite' | 'postgres' | 'mysql';
  /** Env var naming the server, for server databases. */
  readonly env?: string;
  dialect(): Dialect;
}

export const DATABASES: readonly TestDatabase[] = [
  { name: 'sqlite', dialect: () => new SqliteDialect({ database: new Database(':memory:') }) },
  {
    name: 'postgres',
    env: 'SESS_TEST_POSTGRES_URL',
    dialect: () =>
      new PostgresDialect({
        pool: new pg.Pool({ connectionString: process.env.SESS_TEST_POSTGRES_URL, max: 10 }),
      }),
  },
  {
    name: 'mysql',
    env: 'SESS_TEST_MYSQL_URL',
    dialect: () =>
      new MysqlDialect({
        pool: createPool({ uri: process.env.SESS_TEST_MYSQL_URL as string, connectionLimit: 10 }),
      }),
  },
];

/**
 * Wraps `describe` once per database. A server database whose env var is unset is skipped with a printed reason on
 * a laptop and fails the run under CI. `SESS_TEST_DIALECTS` (comma-separated: sqlite, postgres, mysql) narrows it.
 */
export function forEachDatabase(body: (database: TestDatabase) => void): void {
  const only = process.env.SESS_TEST_DIALECTS?.split(',').map((s) =>
    s.trim().replace(/^sqlite-.*/, 'sqlite'),
  );
  for (const database of DATABASES) {
    if (only && !only.includes(database.name)) continue;
    if (database.env && !process.env[database.env]) {
      if (process.env.CI)
        throw new Error(`${database.env} is not set: CI must run the ${database.name} tests.`);
      const why = `${database.name}: skipped because ${database.env} is unset (set it to run against a server)`;
      console.warn(`[sess] ${why}`);
      describe.skip(`${database.name} (${why})`, () => body(database));
    } else {
      describe(database.name, () => body(database));
    }
  }
}

let counter = 0;
/** A table name unique to this process and call, so parallel test files never collide. */
export function uniqueTableName(prefix: string): string {
  counter += 1;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

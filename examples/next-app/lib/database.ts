import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';

/** The default database: a SQLite file next to where the app runs. */
export const DEFAULT_SQLITE_FILE = '.data/sess-demo.sqlite';

/**
 * Opens the app's database from `DATABASE_URL`: `postgres://…` (pg), `mysql://…` (mysql2), or `file:<path>` for a
 * SQLite file; unset, a SQLite file at `.data/sess-demo.sqlite`.
 */
export function openDatabase(url = process.env.DATABASE_URL): Kysely<any> {
  if (url?.startsWith('postgres://') || url?.startsWith('postgresql://')) {
    return new Kysely<any>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 10 }) }),
    });
  }
  if (url?.startsWith('mysql://')) {
    return new Kysely<any>({
      dialect: new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 10 }) }),
    });
  }
  if (url && !url.startsWith('file:')) {
    throw new Error(
      `DATABASE_URL must start with postgres://, mysql:// or file: (got ${url.split(':')[0]}:)`,
    );
  }
  const file = resolve(url ? url.slice('file:'.length) : DEFAULT_SQLITE_FILE);
  mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
}

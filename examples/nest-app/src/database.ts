import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';

/** Where the demo keeps its SQLite database when `DATABASE_URL` is unset. */
export const DEFAULT_SQLITE_PATH = fileURLToPath(new URL('../data/sess.sqlite', import.meta.url));

/**
 * Opens the database named by `DATABASE_URL`: unset → the SQLite file in `data/`; `postgres://` or
 * `postgresql://` → PostgreSQL; `mysql://` → MySQL/MariaDB; `sqlite:PATH` or `file:PATH` → that SQLite file
 * (`sqlite::memory:` for a throwaway one).
 */
export function openDatabase(url: string | undefined): Kysely<any> {
  if (!url) return openSqlite(DEFAULT_SQLITE_PATH);
  if (/^postgres(ql)?:\/\//.test(url)) {
    return new Kysely<any>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }),
    });
  }
  if (url.startsWith('mysql://')) {
    return new Kysely<any>({
      dialect: new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 10 }) }),
    });
  }
  const file = /^(?:sqlite|file):(.+)$/.exec(url)?.[1];
  if (file) return openSqlite(file);
  throw new Error('DATABASE_URL must start with postgres://, postgresql://, mysql://, sqlite: or file:.');
}

function openSqlite(path: string): Kysely<any> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path);
  if (path !== ':memory:') database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  return new Kysely<any>({ dialect: new SqliteDialect({ database }) });
}

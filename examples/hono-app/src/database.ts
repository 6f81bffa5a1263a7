import { mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';

/** Where the demo keeps its SQLite database when `DATABASE_URL` is unset. */
export const DEFAULT_SQLITE_PATH = fileURLToPath(new URL('../data/sess.sqlite', import.meta.url));

/** An opened database and a description of it that is safe to print (no password). */
export interface OpenedDatabase {
  db: Kysely<any>;
  kind: 'sqlite' | 'postgres' | 'mysql';
  description: string;
}

/**
 * Opens the database named by `url` (`DATABASE_URL`): unset → the SQLite file in `data/`; `postgres://` or
 * `postgresql://` → PostgreSQL; `mysql://` → MySQL/MariaDB; `sqlite:PATH` or `file:PATH` → another SQLite file.
 */
export function openDatabase(url: string | undefined): OpenedDatabase {
  if (!url) return openSqlite(DEFAULT_SQLITE_PATH);
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    return {
      db: new Kysely<any>({ dialect: new PostgresDialect({ pool }) }),
      kind: 'postgres',
      description: `PostgreSQL ${redact(url)}`,
    };
  }
  if (url.startsWith('mysql://')) {
    const pool = createPool({ uri: url, connectionLimit: 10 });
    return {
      db: new Kysely<any>({ dialect: new MysqlDialect({ pool }) }),
      kind: 'mysql',
      description: `MySQL ${redact(url)}`,
    };
  }
  const file = /^(sqlite|file):(.+)$/.exec(url)?.[2];
  if (file) return openSqlite(file.startsWith('//') ? fileURLToPath(`file:${file}`) : file);
  throw new Error(
    `DATABASE_URL must start with postgres://, postgresql://, mysql://, sqlite: or file: (got ${JSON.stringify(redact(url))}).`,
  );
}

function openSqlite(path: string): OpenedDatabase {
  mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  const rel = relative(process.cwd(), path);
  const shown = rel && !rel.startsWith('..') ? rel : path;
  return {
    db: new Kysely<any>({ dialect: new SqliteDialect({ database }) }),
    kind: 'sqlite',
    description: `SQLite ${shown}`,
  };
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

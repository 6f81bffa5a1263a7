import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';

/** The demo app's SQLite file, used when DATABASE_URL is unset. */
export const DEFAULT_DATABASE = fileURLToPath(new URL('../../hono-app/data/sess.sqlite', import.meta.url));

/**
 * Opens Kysely on `DATABASE_URL`: `postgres://…`, `mysql://…`/`mariadb://…`, or a SQLite file path
 * (`sqlite:`/`file:` prefixes allowed). The SQLite file is created when missing.
 */
export function openDatabase(url: string): { db: Kysely<any>; describe: string } {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on('error', () => {}); // a dropped idle connection is replaced; the next run reports the problem
    return { db: new Kysely<any>({ dialect: new PostgresDialect({ pool }) }), describe: 'PostgreSQL' };
  }
  if (/^(mysql|mariadb):\/\//i.test(url)) {
    const pool = createPool({ uri: url.replace(/^mariadb:/i, 'mysql:'), connectionLimit: 2 });
    return { db: new Kysely<any>({ dialect: new MysqlDialect({ pool }) }), describe: 'MySQL' };
  }
  const raw = url.startsWith('file://') ? fileURLToPath(url) : url.replace(/^(sqlite|file):(\/\/)?/i, '');
  const path = isAbsolute(raw) ? raw : resolve(process.cwd(), raw);
  const database = new Database(path);
  // Shared with the app: WAL lets the app read while the worker deletes; wait for the app's writes.
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  return { db: new Kysely<any>({ dialect: new SqliteDialect({ database }) }), describe: `SQLite ${path}` };
}

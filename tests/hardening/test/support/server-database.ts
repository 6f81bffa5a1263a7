import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';

/**
 * Opens `DATABASE_URL` with the demo's pool sizes (10), and one difference from the demo's `src/database.ts`: the
 * PostgreSQL pool and each of its clients have an `'error'` listener. Without them, a database that drops its
 * connections makes node-postgres emit an unhandled `'error'` event (on the pool for an idle client, on the client
 * for one that Kysely holds between two statements) and the process exits (see tests/hardening/README.md).
 */
export function openServerDatabase(url: string): Kysely<any> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // A dead client is dropped from the pool; the query it was running fails (503) and the next one reconnects.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    return new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  }
  if (url.startsWith('mysql://')) {
    return new Kysely<any>({
      dialect: new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 10 }) }),
    });
  }
  const file = /^(sqlite|file):(.+)$/.exec(url)?.[2];
  if (!file) throw new Error(`DATABASE_URL must be postgres://, mysql:// or sqlite:PATH (got ${url}).`);
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  return new Kysely<any>({ dialect: new SqliteDialect({ database }) });
}

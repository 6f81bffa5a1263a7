import { mkdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** The demo's own SQLite file, used when the URL is unset; its folder is created when missing. */
  sqlitePath: string;
  /** Connections per PostgreSQL or MySQL pool. @default 10 */
  poolSize?: number | undefined;
  /** Where a lost database connection is reported (once per outage). @default console.error */
  log?: ((message: string) => void) | undefined;
}

/** Which database an {@link OpenedDatabase} is on. */
export type DatabaseKind = 'sqlite' | 'postgres' | 'mysql';

/** An opened database and a description of it that is safe to print (no password). */
export interface OpenedDatabase {
  db: Kysely<any>;
  kind: DatabaseKind;
  /** `SQLite data/sess.sqlite`, `PostgreSQL postgres://app:***@db/app`, `MySQL mysql://…`. */
  description: string;
}

/**
 * Opens the database a demo's `DATABASE_URL` names:
 *
 * - unset or empty: the SQLite file at `options.sqlitePath` (its folder is created);
 * - `postgres://` or `postgresql://`: PostgreSQL (node-postgres pool);
 * - `mysql://` or `mariadb://`: MySQL or MariaDB (mysql2 pool);
 * - `sqlite:PATH`, `file:PATH`, a `file://` URL or a plain path: that SQLite file (created when missing, in a folder
 *   that must exist); `sqlite::memory:` for a throwaway in-memory one.
 *
 * A dropped PostgreSQL connection never takes the process down: the pool and every client it opens have an
 * `'error'` listener (node-postgres emits `'error'` on the pool for an idle client, on the client for one that
 * Kysely holds between two statements; with no listener Node exits). The query it was running fails, the session
 * middleware answers 503, and the next query reconnects. The loss is logged once per outage.
 *
 * @example
 * ```ts
 * const { db, description } = openDatabase(process.env.DATABASE_URL, { sqlitePath: 'data/sess.sqlite' });
 * console.log(`on ${description}`);
 * ```
 */
export function openDatabase(url: string | undefined, options: OpenDatabaseOptions): OpenedDatabase {
  const poolSize = options.poolSize ?? 10;
  if (!url) {
    mkdirSync(dirname(options.sqlitePath), { recursive: true });
    return openSqlite(options.sqlitePath);
  }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: poolSize });
    keepAliveOnConnectionLoss(pool, options.log ?? console.error);
    return {
      db: new Kysely<any>({ dialect: new PostgresDialect({ pool }) }),
      kind: 'postgres',
      description: `PostgreSQL ${redactUrl(url)}`,
    };
  }
  if (/^(mysql|mariadb):\/\//i.test(url)) {
    const pool = createPool({ uri: url.replace(/^mariadb:/i, 'mysql:'), connectionLimit: poolSize });
    return {
      db: new Kysely<any>({ dialect: new MysqlDialect({ pool }) }),
      kind: 'mysql',
      description: `MySQL ${redactUrl(url)}`,
    };
  }
  if (/^file:\/\//i.test(url)) return openSqlite(fileURLToPath(url));
  const file = /^(?:sqlite|file):(?:\/\/)?(.+)$/i.exec(url)?.[1];
  if (file) return openSqlite(file);
  // Anything else with a scheme (two letters or more, so not a Windows drive) is a URL this demo cannot open.
  if (!/^[a-z][a-z0-9+.-]+:/i.test(url)) return openSqlite(url);
  throw new Error(
    `DATABASE_URL must be postgres://…, mysql://…, mariadb://…, sqlite:PATH, file:PATH or a file path (got ${JSON.stringify(redactUrl(url))}).`,
  );
}

/**
 * Listens for node-postgres `'error'` events on the pool (an idle client died) and on each client it connects (a
 * client Kysely holds between statements died), so that neither is an uncaught exception. Reports the first loss,
 * then nothing until a connection succeeds again.
 */
function keepAliveOnConnectionLoss(pool: pg.Pool, log: (message: string) => void): void {
  let reported = false;
  const report = (error: Error) => {
    if (reported) return;
    reported = true;
    log(`database connection lost (${error.message}); requests get 503 until it is back`);
  };
  pool.on('error', report);
  pool.on('connect', (client) => {
    reported = false;
    client.on('error', report);
  });
}

function openSqlite(path: string): OpenedDatabase {
  const memory = path === ':memory:';
  const database = new Database(path);
  // WAL lets a cleanup worker or a second instance read while this one writes; wait for their writes.
  if (!memory) database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  const rel = memory ? path : relative(process.cwd(), resolve(path));
  const shown = rel && !rel.startsWith('..') ? rel : resolve(path);
  return {
    db: new Kysely<any>({ dialect: new SqliteDialect({ database }) }),
    kind: 'sqlite',
    description: `SQLite ${shown}`,
  };
}

/** The URL with its password replaced by `***` (for logs and errors); `(unparsable URL)` when it is not a URL. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

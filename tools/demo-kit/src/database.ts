import { mkdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { guardMysqlPool, guardPostgresPool } from '@sess/core/drivers';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';

/** {@link OpenDatabaseOptions.connectTimeoutMs} when neither the option nor `SESS_DB_CONNECT_TIMEOUT_MS` sets it. */
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** {@link OpenDatabaseOptions.queryTimeoutMs} when neither the option nor `SESS_DB_QUERY_TIMEOUT_MS` sets it. */
const DEFAULT_QUERY_TIMEOUT_MS = 10_000;
/** Idle time before TCP keepalive probes start: finds peers that vanished, keeps NAT and firewall entries alive. */
const KEEPALIVE_DELAY_MS = 10_000;

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** The demo's own SQLite file, used when the URL is unset; its folder is created when missing. */
  sqlitePath: string;
  /** Connections per PostgreSQL or MySQL pool. @default 10 */
  poolSize?: number | undefined;
  /**
   * How long to wait for a PostgreSQL or MySQL connection, in ms: for a new one to be ready (TCP connect, TLS,
   * authentication), or for a free one when the pool is full. Then the query fails (the demos answer 503).
   * @default `SESS_DB_CONNECT_TIMEOUT_MS`, else 5000
   */
  connectTimeoutMs?: number | undefined;
  /**
   * How long one PostgreSQL or MySQL statement may go unanswered, in ms, before it fails and its connection is
   * destroyed (never returned to the pool), so that a stalled database cannot keep the pool's connections stuck.
   * Keep it at or above the store's `operationTimeout` (5 s by default), which answers the request first; 0 turns it
   * off. It applies to every statement, migrations included: give a migration on a large table its own setting.
   * @default `SESS_DB_QUERY_TIMEOUT_MS`, else 10000
   */
  queryTimeoutMs?: number | undefined;
  /** Where a lost or stalled database connection is reported (once per outage). @default console.error */
  log?: ((message: string) => void) | undefined;
  /** Where `SESS_DB_CONNECT_TIMEOUT_MS` and `SESS_DB_QUERY_TIMEOUT_MS` are read. @default process.env */
  env?: Readonly<Record<string, string | undefined>> | undefined;
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
 * A stalled database (no answer, no error: a network partition, a hung server) cannot hang the pool either: a new
 * connection gives up after `connectTimeoutMs`, a statement after `queryTimeoutMs`, and a connection whose statement
 * got no answer is destroyed instead of going back to the pool, so the pool opens fresh ones once the database
 * answers again. `db.destroy()` does not wait for statements in flight: it closes their connections (call it once
 * the app has stopped serving). See docs/database-timeouts.md.
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
    const { connectTimeoutMs, queryTimeoutMs } = readTimeouts(options);
    const pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      // A new connection, and the wait for a free one when all are in use (pg-pool applies it to both).
      connectionTimeoutMillis: connectTimeoutMs,
      // Client side: fails the query, but leaves the connection busy with it; guardPostgresPool destroys it.
      query_timeout: queryTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    });
    const report = reportOncePerOutage(options.log ?? console.error);
    keepAliveOnConnectionLoss(pool, report);
    const guarded = guardPostgresPool(pool, {
      DatabaseError: pg.DatabaseError,
      connectTimeoutMs,
      queryTimeoutMs,
      onConnectionLost: report,
    });
    return {
      db: new Kysely<any>({ dialect: new PostgresDialect({ pool: guarded }) }),
      kind: 'postgres',
      description: `PostgreSQL ${redactUrl(url)}`,
    };
  }
  if (/^(mysql|mariadb):\/\//i.test(url)) {
    const { connectTimeoutMs, queryTimeoutMs } = readTimeouts(options);
    const pool = createPool({
      uri: url.replace(/^mariadb:/i, 'mysql:'),
      connectionLimit: poolSize,
      connectTimeout: connectTimeoutMs,
      enableKeepAlive: true,
      keepAliveInitialDelay: KEEPALIVE_DELAY_MS,
    });
    const report = reportOncePerOutage(options.log ?? console.error);
    pool.on('connection', () => report.reset());
    // Destroys a connection whose statement got no answer, and reports it (and a connection's 'error') once.
    const guarded = guardMysqlPool(pool, { connectTimeoutMs, queryTimeoutMs, onConnectionLost: report });
    return {
      db: new Kysely<any>({ dialect: new MysqlDialect({ pool: guarded }) }),
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

/** Reports connection losses to `log`: the first of an outage, then nothing until `reset()` (a new connection). */
interface OutageReport {
  (error: Error): void;
  reset(): void;
}

function reportOncePerOutage(log: (message: string) => void): OutageReport {
  let reported = false;
  const report = (error: Error) => {
    if (reported) return;
    reported = true;
    log(`database connection lost (${error.message}); requests get 503 until it is back`);
  };
  return Object.assign(report, {
    reset: () => {
      reported = false;
    },
  });
}

/**
 * Listens for node-postgres `'error'` events on the pool (an idle client died) and on each client it connects (a
 * client Kysely holds between statements died), so that neither is an uncaught exception. Reports the first loss,
 * then nothing until a connection succeeds again.
 */
function keepAliveOnConnectionLoss(pool: pg.Pool, report: OutageReport): void {
  pool.on('error', report);
  pool.on('connect', (client) => {
    report.reset();
    client.on('error', report);
  });
}

/** The timeouts of {@link OpenDatabaseOptions}: the option, else the environment variable, else the default. */
function readTimeouts(options: OpenDatabaseOptions): { connectTimeoutMs: number; queryTimeoutMs: number } {
  const env = options.env ?? process.env;
  const read = (
    option: 'connectTimeoutMs' | 'queryTimeoutMs',
    variable: string,
    fallback: number,
    min: number,
  ) => {
    const value = options[option];
    const text = env[variable];
    const ms = value ?? (text ? Number(text) : fallback);
    if (!Number.isInteger(ms) || ms < min || ms > 2_147_483_647) {
      throw new Error(
        `${value === undefined ? variable : option} must be a whole number of milliseconds, at least ${min} (got ${JSON.stringify(value ?? text)}).`,
      );
    }
    return ms;
  };
  return {
    connectTimeoutMs: read('connectTimeoutMs', 'SESS_DB_CONNECT_TIMEOUT_MS', DEFAULT_CONNECT_TIMEOUT_MS, 1),
    queryTimeoutMs: read('queryTimeoutMs', 'SESS_DB_QUERY_TIMEOUT_MS', DEFAULT_QUERY_TIMEOUT_MS, 0),
  };
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

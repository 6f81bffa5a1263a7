import { mkdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import {
  Kysely,
  MysqlDialect,
  type MysqlPool,
  type MysqlPoolConnection,
  type MysqlQueryResult,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
  SqliteDialect,
} from 'kysely';
import {
  createPool,
  type PoolConnection as MysqlDriverConnection,
  type Pool as MysqlDriverPool,
} from 'mysql2';
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
    const guarded = guardPostgresPool(pool, { connectTimeoutMs, queryTimeoutMs, report, closing: false });
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
    const guarded = guardMysqlPool(pool, { connectTimeoutMs, queryTimeoutMs, report, closing: false });
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

/** A statement or connection the database did not answer in time; `code` as Node's socket timeouts. */
function timeoutError(message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? {} : { cause }), { code: 'ETIMEDOUT' });
}

/** Ends `socket` once what was written to it is flushed, without waiting for the peer (a stalled one never answers). */
function closeSocket(socket: Duplex): void {
  if (socket.destroyed) return;
  if (socket.writableFinished) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end();
}

/** The sockets of a pool's connections, to close at `end()` without waiting for a server that may never answer. */
function socketRegistry(): { add(socket: Duplex | undefined): void; closeAll(): void } {
  const sockets = new Set<Duplex>();
  return {
    add(socket) {
      if (!socket) return;
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    },
    closeAll() {
      for (const socket of sockets) closeSocket(socket);
    },
  };
}

/** What the pool guards share: the timeouts, the outage report, and whether the pool is closing. */
interface GuardContext {
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  report: OutageReport;
  closing: boolean;
}

/** pg-pool's two connection timeouts (`Pool#connect`: no free client; `Pool#newClient`: a new one not ready): no code. */
const PG_POOL_TIMEOUT =
  /^(timeout exceeded when trying to connect|Connection terminated due to connection timeout)$/;

/**
 * `pool` as Kysely's `PostgresDialect` sees it, so that a stalled connection never goes back to the pool:
 *
 * - node-postgres's `query_timeout` fails the query but leaves the client busy with it (`Client#query`'s read
 *   timer only calls the callback back), and Kysely's `release()` passes no error, so pg-pool's `_release` would
 *   keep it as idle and hand it out again. Here a query that failed without an answer from the server (anything but
 *   a `pg.DatabaseError`: a timeout, a dropped connection) marks its client broken: later queries on it (Kysely's
 *   `rollback`) fail at once, and `release(error)` makes pg-pool destroy it (`Client#end` destroys the socket of a
 *   client with a query in flight).
 * - `end()` does not wait for queries in flight (pg-pool's `end()` waits for every checked-out client: for ever on a
 *   stalled one). It ends their clients, ends the pool, then closes every socket once its goodbye is written.
 */
function guardPostgresPool(pool: pg.Pool, context: GuardContext): PostgresPool {
  const checkedOut = new Set<pg.PoolClient>();
  const sockets = socketRegistry();
  pool.on('connect', (client) => sockets.add((client as unknown as pg.Client).connection.stream));

  const guard = (client: pg.PoolClient): PostgresPoolClient => {
    let broken: Error | undefined;
    const run = async (sql: string, parameters: readonly unknown[]) => {
      if (broken) throw broken;
      try {
        return (await client.query(sql, [...parameters])) as unknown as PostgresQueryResult<unknown>;
      } catch (error) {
        if (error instanceof pg.DatabaseError) throw error; // the server answered: the connection is fine
        broken =
          (error as Error).message === 'Query read timeout'
            ? timeoutError(`the database did not answer a query within ${context.queryTimeoutMs} ms`, error)
            : (error as Error);
        if (!context.closing) context.report(broken);
        throw broken;
      }
    };
    // A cursor (Kysely's streamQuery, which sess does not use) goes to the client as it is.
    const query = (sql: string | pg.Submittable, parameters: readonly unknown[] = []) =>
      typeof sql === 'string' ? run(sql, parameters) : client.query(sql);
    return {
      query: query as PostgresPoolClient['query'],
      release() {
        checkedOut.delete(client);
        client.release(broken);
      },
    };
  };

  return {
    async connect() {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        if (PG_POOL_TIMEOUT.test((error as Error).message)) {
          throw timeoutError(`no database connection within ${context.connectTimeoutMs} ms`, error);
        }
        throw error;
      }
      checkedOut.add(client);
      return guard(client);
    },
    async end() {
      context.closing = true;
      for (const client of checkedOut) void client.end().catch(() => {});
      await pool.end();
      sockets.closeAll();
    },
  };
}

/** mysql2 keeps a connection's socket in `stream` (`BaseConnection`); its typings do not declare it. */
function socketOf(connection: MysqlDriverConnection): Duplex | undefined {
  return (connection as unknown as { stream?: Duplex }).stream;
}

/** True when mysql2 got this error from the server (an error packet): the connection itself is fine. */
function answeredByServer(error: { errno?: unknown; fatal?: unknown }): boolean {
  return !error.fatal && typeof error.errno === 'number' && error.errno > 0;
}

type MysqlCallback = (error: unknown, result: MysqlQueryResult) => void;

/** A checked-out mysql2 connection as Kysely's `MysqlDialect` uses it; see {@link guardMysqlPool}. */
class GuardedMysqlConnection {
  readonly #raw: MysqlDriverConnection;
  readonly #context: GuardContext;
  readonly #onRelease: () => void;
  #broken: Error | undefined;
  #pending: MysqlCallback | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(raw: MysqlDriverConnection, context: GuardContext, onRelease: () => void) {
    this.#raw = raw;
    this.#context = context;
    this.#onRelease = onRelease;
  }

  query(sql: string, parameters: unknown[], callback?: MysqlCallback): unknown {
    if (!callback) return this.#raw.query(sql, parameters); // Kysely's streamQuery (sess does not stream)
    const broken = this.#broken;
    if (broken) {
      process.nextTick(() => callback(broken, []));
      return;
    }
    this.#pending = callback;
    const { queryTimeoutMs } = this.#context;
    if (queryTimeoutMs > 0) {
      this.#timer = setTimeout(
        () => this.destroy(timeoutError(`the database did not answer a query within ${queryTimeoutMs} ms`)),
        queryTimeoutMs,
      );
    }
    this.#raw.query(sql, parameters, (error, result) => {
      if (this.#pending !== callback) return; // already failed by destroy()
      clearTimeout(this.#timer);
      this.#pending = undefined;
      if (error && !answeredByServer(error)) {
        this.destroy(error); // calls back
        return;
      }
      callback(error, result as MysqlQueryResult);
    });
    return;
  }

  release(): void {
    this.#onRelease();
    if (!this.#broken) this.#raw.release();
  }

  /** Takes the connection out of the pool for good and closes its socket; a statement in flight fails with `reason`. */
  destroy(reason: Error): void {
    if (this.#broken) return;
    this.#broken = reason;
    clearTimeout(this.#timer);
    if (!this.#context.closing) this.#context.report(reason);
    this.#raw.destroy(); // out of the pool, its slot free at once; mysql2 only half-closes the socket
    socketOf(this.#raw)?.destroy();
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.(reason, []);
  }
}

/**
 * `pool` as Kysely's `MysqlDialect` sees it, so that a stalled connection never goes back to the pool:
 *
 * - a statement unanswered after `queryTimeoutMs` destroys its connection and socket, and so does any failure that
 *   is not an error packet from the server: the pool frees the slot at once, and later statements on the connection
 *   (Kysely's `rollback`) fail at once. mysql2 has no pool-wide statement timeout, and its per-query `timeout` is no
 *   substitute: `Query#_handleTimeoutError` (3.x) calls back with `PROTOCOL_SEQUENCE_TIMEOUT` but leaves the
 *   connection busy with the statement, `release()` returns it to the pool (its typings say it is destroyed), and the
 *   timer keeps a process alive until it fires;
 * - waiting for a free connection gives up after `connectTimeoutMs` (mysql2's queue waits for ever; a new
 *   connection has mysql2's `connectTimeout`);
 * - `end()` destroys the connections still checked out (mysql2's `QUIT` would queue behind their stalled statement),
 *   ends the pool, then closes every socket once its `QUIT` is written (a stalled server never closes it);
 * - every connection gets a lasting `'error'` listener (mysql2 adds a one-shot one), and a loss is reported once.
 */
function guardMysqlPool(pool: MysqlDriverPool, context: GuardContext): MysqlPool {
  const { connectTimeoutMs } = context;
  const checkedOut = new Set<GuardedMysqlConnection>();
  const sockets = socketRegistry();
  pool.on('connection', (connection) => {
    context.report.reset();
    connection.on('error', (error: Error) => {
      if (!context.closing) context.report(error);
    });
    sockets.add(socketOf(connection));
  });

  return {
    getConnection(callback) {
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      // Only a request that waits in mysql2's queue (it says so with 'enqueue', synchronously) gets this timer: a
      // new connection has mysql2's own `connectTimeout`.
      const onEnqueue = () => {
        timer = setTimeout(() => {
          settled = true;
          callback(
            timeoutError(`no free database connection within ${connectTimeoutMs} ms`),
            undefined as never,
          );
        }, connectTimeoutMs);
      };
      pool.once('enqueue', onEnqueue);
      pool.getConnection((error, raw) => {
        if (settled) {
          if (!error) raw.release(); // the caller gave up waiting: the next one gets it
          return;
        }
        settled = true;
        clearTimeout(timer);
        if (error) {
          callback(error, undefined as never);
          return;
        }
        const connection = new GuardedMysqlConnection(raw, context, () => checkedOut.delete(connection));
        checkedOut.add(connection);
        callback(null, connection as unknown as MysqlPoolConnection);
      });
      pool.off('enqueue', onEnqueue);
    },
    end(callback) {
      context.closing = true;
      for (const connection of checkedOut) connection.destroy(new Error('the database pool was closed'));
      // mysql2 reports the failure of a connection still being opened (a stalled server) as the error of `end()`:
      // nothing is left to close, so it is no error here.
      pool.end(() => {
        sockets.closeAll();
        callback(null);
      });
    },
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

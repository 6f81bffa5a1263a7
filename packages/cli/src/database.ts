import { isAbsolute, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
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
  sql,
} from 'kysely';
import type { PoolConnection as MysqlDriverConnection, Pool as MysqlDriverPool } from 'mysql2';
import type pg from 'pg';
import { loadDriver } from './drivers.js';
import { CliError, ExitCode, errorText } from './exit-codes.js';

/** A database named by a URL or a SQLite file path. */
export type DatabaseTarget =
  | { kind: 'sqlite'; path: string; display: string }
  | { kind: 'postgres'; url: string; display: string }
  | { kind: 'mysql'; url: string; display: string };

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Create the SQLite file when it does not exist (only `sess migrate` does). @default false */
  create?: boolean | undefined;
  /** Open a SQLite file read-only (`sess migrate --print-sql`). @default false */
  readonly?: boolean | undefined;
  /**
   * How long to wait for a server connection, in ms: a new one (TCP connect, TLS, authentication), or a free one of
   * the pool; for SQLite, how long to wait for a lock (`busy_timeout`). @default 5000
   */
  timeoutMs?: number | undefined;
  /**
   * How long one statement may go unanswered by a PostgreSQL or MySQL server, in ms, before it fails and its
   * connection is destroyed; 0 turns it off. A stalled server (no answer, no error) then fails the command (exit 3)
   * instead of hanging it, and `cleanup --watch` gets its connections back. Store operations (cleanup batches,
   * `sessions ...`) fail earlier, at the store's `operationTimeout` (5 s). @default 60000
   */
  queryTimeoutMs?: number | undefined;
}

/**
 * Reads a database URL: a SQLite file path (or a `sqlite:` / `file:` URL), `postgres://` / `postgresql://`, or
 * `mysql://` / `mariadb://`. Throws a usage {@link CliError} for anything else.
 *
 * @example
 * ```ts
 * parseDatabaseUrl('postgres://app:secret@db/app') // { kind: 'postgres', display: 'postgres://app:****@db/app', ... }
 * parseDatabaseUrl('./data/sess.sqlite')           // { kind: 'sqlite', path: '/abs/data/sess.sqlite', ... }
 * ```
 */
export function parseDatabaseUrl(text: string, cwd: string = process.cwd()): DatabaseTarget {
  const value = text.trim();
  if (value === '') throw new CliError(ExitCode.USAGE, 'the database URL is empty');
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value)?.[1]?.toLowerCase();
  const sqlite = (path: string): DatabaseTarget => {
    if (path === '') throw new CliError(ExitCode.USAGE, `no SQLite file path in ${JSON.stringify(value)}`);
    const abs = path === ':memory:' || isAbsolute(path) ? path : resolve(cwd, path);
    return { kind: 'sqlite', path: abs, display: abs };
  };
  if (scheme === 'sqlite') return sqlite(value.replace(/^sqlite:(\/\/)?/i, ''));
  if (scheme === 'file') {
    if (/^file:\/\//i.test(value)) {
      try {
        return sqlite(fileURLToPath(value));
      } catch (error) {
        throw new CliError(ExitCode.USAGE, `invalid file URL ${JSON.stringify(value)}: ${errorText(error)}`);
      }
    }
    return sqlite(value.slice('file:'.length));
  }
  // A Windows drive ("C:\...") or a plain path: a SQLite file.
  if (scheme === undefined || scheme.length === 1) return sqlite(value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(ExitCode.USAGE, `invalid database URL ${JSON.stringify(redact(value))}`);
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    return { kind: 'postgres', url: value, display: redact(value) };
  }
  if (scheme === 'mysql' || scheme === 'mariadb') {
    url.protocol = 'mysql:';
    return { kind: 'mysql', url: url.toString(), display: redact(value) };
  }
  throw new CliError(
    ExitCode.USAGE,
    `unsupported database URL scheme "${scheme}:" (use a SQLite file path, postgres:// or mysql://)`,
  );
}

/** The URL with its password replaced by `****`, for messages. */
export function redact(text: string): string {
  return text.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/, '$1:****@');
}

/**
 * Opens a Kysely instance on the target and checks that the database answers. Throws an `UNREACHABLE`
 * {@link CliError} with one line (no stack) when it does not.
 *
 * On PostgreSQL and MySQL a stalled server cannot hang the command: connections give up after `timeoutMs`,
 * statements after `queryTimeoutMs` (their connection is then destroyed, never reused), and `db.destroy()` closes
 * connections still busy instead of waiting for them, so the process exits (see docs/database-timeouts.md).
 */
export async function connect(target: DatabaseTarget, options: ConnectOptions = {}): Promise<Kysely<any>> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const queryTimeoutMs = options.queryTimeoutMs ?? 60_000;
  let db: Kysely<any>;
  if (target.kind === 'sqlite') {
    const Database = await loadDriver('sqlite');
    let database: BetterSqlite3.Database;
    try {
      database = new Database(target.path, {
        fileMustExist: !options.create,
        readonly: options.readonly === true,
        timeout: timeoutMs,
      });
    } catch (error) {
      const missing = !options.create && (error as { code?: unknown }).code === 'SQLITE_CANTOPEN';
      throw new CliError(
        ExitCode.UNREACHABLE,
        missing
          ? `cannot open ${target.display}: no such SQLite file (run \`sess migrate\` to create it)`
          : `cannot open ${target.display}: ${errorText(error)}`,
        { cause: error },
      );
    }
    db = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
  } else if (target.kind === 'postgres') {
    const pg = await loadDriver('postgres');
    const pool = new pg.Pool({
      connectionString: target.url,
      max: 4,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: queryTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // node-postgres emits 'error' on the pool for an idle client that dies and on a client Kysely holds between two
    // statements: without listeners either one ends the process. The query in flight fails; the next one reconnects.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const guarded = guardPostgresPool(
      pool,
      { connectTimeoutMs: timeoutMs, queryTimeoutMs, closing: false },
      pg.DatabaseError,
    );
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool: guarded }) });
  } else {
    const { createPool } = await loadDriver('mysql');
    const pool = createPool({
      uri: target.url,
      connectionLimit: 4,
      connectTimeout: timeoutMs,
      enableKeepAlive: true,
      keepAliveInitialDelay: 10_000,
    });
    const guarded = guardMysqlPool(pool, { connectTimeoutMs: timeoutMs, queryTimeoutMs, closing: false });
    db = new Kysely<any>({ dialect: new MysqlDialect({ pool: guarded }) });
  }
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw new CliError(ExitCode.UNREACHABLE, `cannot connect to ${target.display}: ${errorText(error)}`, {
      cause: error,
    });
  }
  return db;
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

/** What the pool guards share: the timeouts, and whether the pool is closing. */
interface GuardContext {
  connectTimeoutMs: number;
  queryTimeoutMs: number;
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
function guardPostgresPool(
  pool: pg.Pool,
  context: GuardContext,
  DatabaseError: typeof pg.DatabaseError,
): PostgresPool {
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
        if (error instanceof DatabaseError) throw error; // the server answered: the connection is fine
        broken =
          (error as Error).message === 'Query read timeout'
            ? timeoutError(`the database did not answer a query within ${context.queryTimeoutMs} ms`, error)
            : (error as Error);
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
 * - every connection gets a lasting `'error'` listener (mysql2 adds a one-shot one).
 */
function guardMysqlPool(pool: MysqlDriverPool, context: GuardContext): MysqlPool {
  const { connectTimeoutMs } = context;
  const checkedOut = new Set<GuardedMysqlConnection>();
  const sockets = socketRegistry();
  pool.on('connection', (connection) => {
    connection.on('error', () => {}); // the statement in flight fails; the connection leaves the pool
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

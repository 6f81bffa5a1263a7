/** The part of a driver's socket (a Node `Duplex`) the guards use: no `node:` import in the core's types. */
interface Duplex {
  readonly destroyed: boolean;
  readonly writableFinished: boolean;
  destroy(error?: Error): unknown;
  end(): unknown;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

import type {
  MysqlPool,
  MysqlPoolConnection,
  MysqlQueryResult,
  PostgresCursor,
  PostgresPool,
  PostgresPoolClient,
} from 'kysely';
import { configError } from './errors.js';

// Structural types of what the guards use of node-postgres and mysql2, so that @sess/core depends on neither.

/** What {@link guardPostgresPool} uses of a node-postgres `pg.PoolClient` (pg 8.x): Kysely's client, and more. */
export interface PgPoolClientLike extends PostgresPoolClient {
  /** pg-pool destroys a client released with an error instead of keeping it. */
  release(error?: Error): void;
  end(): Promise<void>;
}

/** What {@link guardPostgresPool} uses of a node-postgres `pg.Pool` (pg-pool 3.x); a `pg.Pool` is one. */
export interface PgPoolLike {
  connect(): Promise<PgPoolClientLike>;
  end(): Promise<void>;
  /** pg-pool's `'connect'` event; `connection.stream` of a `pg.Client` is its socket. */
  on(
    event: 'connect',
    listener: (client: { readonly connection?: { readonly stream?: Duplex } }) => void,
  ): unknown;
}

/** What {@link guardMysqlPool} uses of a mysql2 `PoolConnection` (mysql2 3.x): Kysely's connection, and more. */
export interface Mysql2PoolConnectionLike extends MysqlPoolConnection {
  /** Closes the connection and takes it out of its pool. */
  destroy(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** What {@link guardMysqlPool} uses of a mysql2 `Pool` (callback API, mysql2 3.x); the pool of `createPool` is one. */
export interface Mysql2PoolLike extends MysqlPool {
  getConnection(callback: (error: unknown, connection: Mysql2PoolConnectionLike) => void): void;
  /** mysql2's `'connection'` event: a new connection is open. */
  on(event: 'connection', listener: (connection: Mysql2PoolConnectionLike) => void): unknown;
  /** mysql2's `'enqueue'` event: a `getConnection` waits for a free connection (emitted synchronously). */
  once(event: 'enqueue', listener: () => void): unknown;
  off(event: 'enqueue', listener: () => void): unknown;
}

/** Options of {@link guardPostgresPool}. */
export interface PostgresPoolGuardOptions {
  /**
   * node-postgres's `DatabaseError` (`pg.DatabaseError`). A query that fails with one was answered by the server:
   * its connection is kept. Any other failure (a timeout, a dropped connection) gives the connection up.
   */
  DatabaseError: { new (...args: never[]): Error };
  /**
   * The pool's `connectionTimeoutMillis`, in ms. node-postgres applies it (to a new connection, and to the wait for a
   * free one); the guard names it in the `ETIMEDOUT` error it throws instead of pg-pool's.
   */
  connectTimeoutMs: number;
  /**
   * The pool's `query_timeout`, in ms (0: none). node-postgres applies it; the guard names it in the `ETIMEDOUT` error
   * it throws instead of pg's `Query read timeout`, and destroys the connection.
   */
  queryTimeoutMs: number;
  /**
   * Called when the guard gives a connection up (a statement got no answer: a timeout, a dropped connection), not
   * once `end()` has begun. Errors node-postgres emits on the pool and its clients are not passed here: listen for
   * them on the pool (`'error'`, and `'error'` of each client on `'connect'`).
   * @default nothing is called
   */
  onConnectionLost?: ((error: Error) => void) | undefined;
}

/** Options of {@link guardMysqlPool}. */
export interface MysqlPoolGuardOptions {
  /**
   * How long a `getConnection` waits for a free connection when every one is in use, in ms (mysql2's queue waits for
   * ever). A new connection is bounded by mysql2's own `connectTimeout`: set it to the same value.
   */
  connectTimeoutMs: number;
  /** How long one statement may go unanswered, in ms, before it fails and its connection is destroyed; 0: no limit. */
  queryTimeoutMs: number;
  /**
   * Called when a connection is lost or given up (a statement without an answer in time, a failure that is not an
   * error packet from the server, an `'error'` event on a connection), not once `end()` has begun.
   * @default nothing is called
   */
  onConnectionLost?: ((error: Error) => void) | undefined;
}

/** Largest delay `setTimeout` takes (2^31 - 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

function checkMs(field: string, ms: number, min: number): void {
  if (!Number.isInteger(ms) || ms < min || ms > MAX_TIMER_MS) {
    throw configError(
      field,
      `must be a whole number of milliseconds from ${min} to ${MAX_TIMER_MS} (got ${ms})`,
    );
  }
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

/** pg-pool's two connection timeouts (`Pool#connect`: no free client; `Pool#newClient`: a new one not ready): no code. */
const PG_POOL_TIMEOUT =
  /^(timeout exceeded when trying to connect|Connection terminated due to connection timeout)$/;

/**
 * Wraps a node-postgres `pg.Pool` as Kysely's `PostgresDialect` `pool`, so that a stalled connection (a statement
 * without an answer) is destroyed instead of going back to the pool, and `db.destroy()` does not wait for it.
 *
 * - node-postgres's `query_timeout` fails the query but leaves the client busy with it (`Client#query`'s read
 *   timer only calls the callback back), and Kysely's `release()` passes no error, so pg-pool's `_release` would
 *   keep it as idle and hand it out again. Here a query that failed without an answer from the server (anything but
 *   a `pg.DatabaseError`: a timeout, a dropped connection) marks its client broken: later queries on it (Kysely's
 *   `rollback`) fail at once, and `release(error)` makes pg-pool destroy it (`Client#end` destroys the socket of a
 *   client with a query in flight). A `Query read timeout` becomes an error with code `ETIMEDOUT`, and so do
 *   pg-pool's connection timeouts.
 * - `end()` does not wait for queries in flight (pg-pool's `end()` waits for every checked-out client: for ever on a
 *   stalled one). It ends their clients, ends the pool, then closes every socket once its goodbye is written.
 *
 * The timeouts are the pool's own: set `connectionTimeoutMillis` and `query_timeout` on it, and pass the same values
 * here. Kysely's cursors (`streamQuery`) go to the client unguarded. Throws `INVALID_CONFIG` for a bad timeout.
 *
 * @example
 * ```ts
 * const pool = new pg.Pool({ connectionString, connectionTimeoutMillis: 5_000, query_timeout: 10_000 })
 * pool.on('error', () => {}) // a dead idle client must not end the process
 * pool.on('connect', (client) => client.on('error', () => {})) // nor one Kysely holds
 * const guarded = guardPostgresPool(pool, {
 *   DatabaseError: pg.DatabaseError,
 *   connectTimeoutMs: 5_000,
 *   queryTimeoutMs: 10_000,
 * })
 * const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: guarded }) })
 * ```
 */
export function guardPostgresPool(pool: PgPoolLike, options: PostgresPoolGuardOptions): PostgresPool {
  const { DatabaseError, connectTimeoutMs, queryTimeoutMs, onConnectionLost } = options;
  checkMs('guardPostgresPool connectTimeoutMs', connectTimeoutMs, 0);
  checkMs('guardPostgresPool queryTimeoutMs', queryTimeoutMs, 0);
  let closing = false;
  const checkedOut = new Set<PgPoolClientLike>();
  const sockets = socketRegistry();
  pool.on('connect', (client) => sockets.add(client.connection?.stream));

  const guard = (client: PgPoolClientLike): PostgresPoolClient => {
    let broken: Error | undefined;
    const run = async (sql: string, parameters: readonly unknown[]) => {
      if (broken) throw broken;
      try {
        return await client.query(sql, [...parameters]);
      } catch (error) {
        if (error instanceof DatabaseError) throw error; // the server answered: the connection is fine
        broken =
          (error as Error).message === 'Query read timeout'
            ? timeoutError(`the database did not answer a query within ${queryTimeoutMs} ms`, error)
            : (error as Error);
        if (!closing) onConnectionLost?.(broken);
        throw broken;
      }
    };
    // A cursor (Kysely's streamQuery, which sess does not use) goes to the client as it is.
    const query = (sql: string | PostgresCursor<unknown>, parameters: readonly unknown[] = []) =>
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
      let client: PgPoolClientLike;
      try {
        client = await pool.connect();
      } catch (error) {
        if (PG_POOL_TIMEOUT.test((error as Error).message)) {
          throw timeoutError(`no database connection within ${connectTimeoutMs} ms`, error);
        }
        throw error;
      }
      checkedOut.add(client);
      return guard(client);
    },
    async end() {
      closing = true;
      for (const client of checkedOut) void client.end().catch(() => {});
      await pool.end();
      sockets.closeAll();
    },
  };
}

/** mysql2 keeps a connection's socket in `stream` (`BaseConnection`); its typings do not declare it. */
function socketOf(connection: Mysql2PoolConnectionLike): Duplex | undefined {
  return (connection as unknown as { stream?: Duplex }).stream;
}

/** True when mysql2 got this error from the server (an error packet): the connection itself is fine. */
function answeredByServer(error: { errno?: unknown; fatal?: unknown }): boolean {
  return !error.fatal && typeof error.errno === 'number' && error.errno > 0;
}

type MysqlCallback = (error: unknown, result: MysqlQueryResult) => void;

/** What a {@link GuardedMysqlConnection} shares with its pool's guard. */
interface MysqlGuardState {
  readonly queryTimeoutMs: number;
  /** Reports a lost connection, unless the pool is closing. */
  lost(error: Error): void;
}

/** A checked-out mysql2 connection as Kysely's `MysqlDialect` uses it; see {@link guardMysqlPool}. */
class GuardedMysqlConnection {
  readonly #raw: Mysql2PoolConnectionLike;
  readonly #state: MysqlGuardState;
  readonly #onRelease: () => void;
  #broken: Error | undefined;
  #pending: MysqlCallback | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(raw: Mysql2PoolConnectionLike, state: MysqlGuardState, onRelease: () => void) {
    this.#raw = raw;
    this.#state = state;
    this.#onRelease = onRelease;
  }

  query(sql: string, parameters: unknown[], callback?: MysqlCallback): unknown {
    if (!callback) return this.#raw.query(sql, parameters); // Kysely's streamQuery (sess does not stream)
    const broken = this.#broken;
    if (broken) {
      queueMicrotask(() => callback(broken, []));
      return;
    }
    this.#pending = callback;
    const { queryTimeoutMs } = this.#state;
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
        this.destroy(error as Error); // calls back
        return;
      }
      callback(error, result);
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
    this.#state.lost(reason);
    this.#raw.destroy(); // out of the pool, its slot free at once; mysql2 only half-closes the socket
    socketOf(this.#raw)?.destroy();
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.(reason, []);
  }
}

/**
 * Wraps a mysql2 pool (callback API) as Kysely's `MysqlDialect` `pool`, so that a stalled connection (a statement
 * without an answer) is destroyed instead of going back to the pool, waiting for a free connection gives up in
 * time, and `db.destroy()` does not wait for a stalled statement.
 *
 * - a statement unanswered after `queryTimeoutMs` destroys its connection and socket, and so does any failure that
 *   is not an error packet from the server: the pool frees the slot at once, and later statements on the connection
 *   (Kysely's `rollback`) fail at once. mysql2 has no pool-wide statement timeout, and its per-query `timeout` is no
 *   substitute: `Query#_handleTimeoutError` (3.x) calls back with `PROTOCOL_SEQUENCE_TIMEOUT` but leaves the
 *   connection busy with the statement, `release()` returns it to the pool (its typings say it is destroyed), and the
 *   timer keeps a process alive until it fires. The timeout fails with an error with code `ETIMEDOUT`;
 * - waiting for a free connection gives up after `connectTimeoutMs` (mysql2's queue waits for ever; a new
 *   connection has mysql2's `connectTimeout`);
 * - `end()` destroys the connections still checked out (mysql2's `QUIT` would queue behind their stalled statement),
 *   ends the pool, then closes every socket once its `QUIT` is written (a stalled server never closes it);
 * - every connection gets a lasting `'error'` listener (mysql2 adds a one-shot one).
 *
 * Throws `INVALID_CONFIG` for a bad timeout.
 *
 * @example
 * ```ts
 * const pool = createPool({ uri, connectTimeout: 5_000, enableKeepAlive: true, keepAliveInitialDelay: 10_000 })
 * const guarded = guardMysqlPool(pool, { connectTimeoutMs: 5_000, queryTimeoutMs: 10_000 })
 * const db = new Kysely<Database>({ dialect: new MysqlDialect({ pool: guarded }) })
 * ```
 */
export function guardMysqlPool(pool: Mysql2PoolLike, options: MysqlPoolGuardOptions): MysqlPool {
  const { connectTimeoutMs, queryTimeoutMs, onConnectionLost } = options;
  checkMs('guardMysqlPool connectTimeoutMs', connectTimeoutMs, 1);
  checkMs('guardMysqlPool queryTimeoutMs', queryTimeoutMs, 0);
  let closing = false;
  const state: MysqlGuardState = {
    queryTimeoutMs,
    lost(error) {
      if (!closing) onConnectionLost?.(error);
    },
  };
  const checkedOut = new Set<GuardedMysqlConnection>();
  const sockets = socketRegistry();
  pool.on('connection', (connection) => {
    connection.on('error', (error) => state.lost(error)); // the statement in flight fails; the connection leaves the pool
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
        const connection = new GuardedMysqlConnection(raw, state, () => checkedOut.delete(connection));
        checkedOut.add(connection);
        callback(null, connection as unknown as MysqlPoolConnection);
      });
      pool.off('enqueue', onEnqueue);
    },
    end(callback) {
      closing = true;
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

import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { guardMysqlPool, guardPostgresPool } from '@sess/core/drivers';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, sql } from 'kysely';
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
    const guarded = guardPostgresPool(pool, {
      DatabaseError: pg.DatabaseError,
      connectTimeoutMs: timeoutMs,
      queryTimeoutMs,
    });
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
    const guarded = guardMysqlPool(pool, { connectTimeoutMs: timeoutMs, queryTimeoutMs });
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

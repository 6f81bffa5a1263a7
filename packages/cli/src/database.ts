import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
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
  /** How long to wait for a server connection, in ms. @default 5000 */
  timeoutMs?: number | undefined;
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
 */
export async function connect(target: DatabaseTarget, options: ConnectOptions = {}): Promise<Kysely<any>> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  let db: Kysely<any>;
  if (target.kind === 'sqlite') {
    let database: Database.Database;
    try {
      database = new Database(target.path, { fileMustExist: !options.create, timeout: timeoutMs });
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
    const pool = new pg.Pool({ connectionString: target.url, max: 4, connectionTimeoutMillis: timeoutMs });
    // node-postgres emits 'error' on the pool for an idle client that dies and on a client Kysely holds between two
    // statements: without listeners either one ends the process. The query in flight fails; the next one reconnects.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  } else {
    const pool = createPool({ uri: target.url, connectionLimit: 4, connectTimeout: timeoutMs });
    db = new Kysely<any>({ dialect: new MysqlDialect({ pool }) });
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

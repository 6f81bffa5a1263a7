import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';

/** Statements counted at the driver of one server process. */
export interface DriverCounts {
  /** Every statement sent to the database (transaction control included). */
  statements: number;
  /** INSERT, UPDATE, DELETE, REPLACE, MERGE (and UPSERTs). */
  writes: number;
}

const counts: DriverCounts = { statements: 0, writes: 0 };
const WRITE = /^\s*(insert|update|delete|replace|merge)\b/i;

function record(text: unknown): void {
  counts.statements++;
  if (typeof text === 'string' && WRITE.test(text)) counts.writes++;
}

/** The counts so far. */
export function driverCounts(): DriverCounts {
  return { ...counts };
}

/**
 * Counts every statement that node-postgres sends, whoever sends it (Kysely, connect-pg-simple, better-auth), by
 * wrapping `Client.prototype.query`, which `Pool.query` also goes through.
 */
export function countPostgres(driver: typeof pg): void {
  const proto = driver.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    record(typeof first === 'string' ? first : (first as { text?: unknown } | null)?.text);
    return query.apply(this, args);
  };
}

/**
 * Counts every statement that better-sqlite3 runs on `db` by wrapping the statement methods (`run`, `get`, `all`,
 * `iterate`) on the prototype that `db.prepare()` returns; cached statements are counted on every run.
 */
export function countSqlite(db: BetterSqlite3.Database): void {
  const proto = Object.getPrototypeOf(db.prepare('select 1')) as Record<string, unknown>;
  for (const method of ['run', 'get', 'all', 'iterate'] as const) {
    const original = proto[method] as (...args: unknown[]) => unknown;
    proto[method] = function (this: { source: string }, ...args: unknown[]) {
      record(this.source);
      return original.apply(this, args);
    };
  }
  // db.exec() runs SQL text without a statement object (migrations, pragmas).
  const exec = db.exec;
  db.exec = function (this: BetterSqlite3.Database, source: string) {
    record(source);
    return exec.call(this, source);
  } as typeof db.exec;
}

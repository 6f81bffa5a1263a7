import type { Kysely } from 'kysely';

/** What the store needs to know about the database, read from Kysely's adapter. @internal */
export type DialectKind = 'postgres' | 'mysql' | 'sqlite' | 'other';

/**
 * Reads the dialect family from `db.getExecutor().adapter`, walking the adapter's class chain so that third-party
 * dialects that extend Kysely's Postgres/MySQL/SQLite adapters (PGlite, D1, libSQL, ...) are recognised.
 * @internal
 */
export function dialectKind(db: Kysely<any>): DialectKind {
  let proto: unknown = Object.getPrototypeOf(db.getExecutor().adapter);
  while (proto && proto !== Object.prototype) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name ?? '';
    if (name === 'PostgresAdapter') return 'postgres';
    if (name === 'MysqlAdapter') return 'mysql';
    if (name === 'SqliteAdapter') return 'sqlite';
    proto = Object.getPrototypeOf(proto);
  }
  return 'other';
}

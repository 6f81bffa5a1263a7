import { type Kysely, WithSchemaPlugin } from 'kysely';

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

/**
 * `db` without the app's Kysely plugins, for sess's own queries: `CamelCasePlugin` would rename sess's snake_case
 * columns in results (every session would load with `userId` null), `ParseJSONResultsPlugin` would hand back the
 * data already parsed, and a plugin of the app's own may change anything. A `withSchema()` stays, so the table is
 * still found in the schema the app chose.
 * @internal
 */
export function withoutAppPlugins(db: Kysely<any>): Kysely<any> {
  const plugins = db.getExecutor().plugins;
  if (plugins.length === 0) return db;
  let own = db.withoutPlugins();
  for (const plugin of plugins) {
    if (plugin instanceof WithSchemaPlugin || plugin.constructor?.name === 'WithSchemaPlugin') {
      own = own.withPlugin(plugin);
    }
  }
  return own;
}

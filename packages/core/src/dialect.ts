import { type Kysely, MysqlAdapter, PostgresAdapter, SqliteAdapter, sql, WithSchemaPlugin } from 'kysely';
import { configError } from './errors.js';

/** The SQL family a database speaks, which decides locking and cleanup strategies. */
export type SqlFamily = 'postgres' | 'mysql' | 'sqlite';

/** What the store needs to know about the database. @internal */
export type DialectKind = SqlFamily;

const FAMILIES: readonly SqlFamily[] = ['postgres', 'mysql', 'sqlite'];

/**
 * The SQL family of `db`: `declared` when given (the `dialect` option), else read from Kysely's adapter
 * (`db.getExecutor().adapter`): an instance of Kysely's Postgres, MySQL or SQLite adapter, which third-party dialects
 * extend (PGlite, D1, libSQL, ...). A second copy of Kysely (a CommonJS and an ESM build side by side) fails
 * `instanceof`, so the adapter's class chain is also compared by name, and, when a bundler minified those names too,
 * the SQL the dialect's compiler writes for a probe (`$1` and `"t"`: PostgreSQL; `?` and `` `t` ``: MySQL; `?` and
 * `"t"`: SQLite). Throws `INVALID_CONFIG` naming `dialect` when none tells (MSSQL, or a dialect of another SQL):
 * guessing would silently turn off the per-user locking and the cleanup strategy.
 * @internal
 */
export function dialectKind(db: Kysely<any>, declared?: SqlFamily | undefined): DialectKind {
  if (declared !== undefined) {
    if (!FAMILIES.includes(declared)) {
      throw configError(
        'dialect',
        `must be one of "postgres", "mysql", "sqlite" (got ${JSON.stringify(declared)})`,
      );
    }
    return declared;
  }
  const adapter: unknown = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  let proto: unknown = Object.getPrototypeOf(adapter);
  while (proto && proto !== Object.prototype) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name ?? '';
    if (name === 'PostgresAdapter') return 'postgres';
    if (name === 'MysqlAdapter') return 'mysql';
    if (name === 'SqliteAdapter') return 'sqlite';
    proto = Object.getPrototypeOf(proto);
  }
  // Another copy of Kysely whose class names a bundler minified (Next.js bundles each route): ask its compiler.
  const probe = sql`select ${1} from ${sql.id('t')}`.compile(db).sql;
  if (probe.includes('$1') && probe.includes('"t"')) return 'postgres';
  if (probe.includes('?') && probe.includes('`t`')) return 'mysql';
  if (probe.includes('?') && probe.includes('"t"')) return 'sqlite';
  throw configError(
    'dialect',
    'is needed: sess cannot tell which SQL your Kysely dialect speaks (its adapter is not a Postgres, MySQL or SQLite adapter). Set dialect: "postgres", "mysql" or "sqlite"',
  );
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

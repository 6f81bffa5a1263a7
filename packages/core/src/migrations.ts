import {
  type DatabaseIntrospector,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
  sql,
} from 'kysely';
import { checkTableName } from './config.js';
import { dialectKind, type SqlFamily, withoutAppPlugins } from './dialect.js';
import { SessionError } from './errors.js';

/** Options of the schema helpers. */
export interface MigrationOptions {
  /** Session table name. @default "sess_sessions" */
  tableName?: string | undefined;
  /**
   * The SQL family of the database, for a Kysely dialect sess cannot recognise (see `SessionConfig.dialect`).
   * @default read from the Kysely instance's adapter
   */
  dialect?: SqlFamily | undefined;
}

function tableOf(options: MigrationOptions): string {
  return checkTableName(options.tableName ?? 'sess_sessions');
}

/**
 * The session schema as Kysely migrations, keyed by name, for a user's own `Migrator`.
 * Timestamps are stored as BIGINT epoch milliseconds, so they compare identically on every dialect and in every
 * server time zone. `data` holds the session's JSON object as text.
 *
 * @example
 * ```ts
 * const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...myMigrations, ...sessionMigrations() }) } })
 * ```
 */
export function sessionMigrations(options: MigrationOptions = {}): Record<string, Migration> {
  const table = tableOf(options);
  return {
    [`sess_0001_create_${table}`]: {
      async up(db: Kysely<any>) {
        const mysql = dialectKind(db, options.dialect) === 'mysql';
        const text = mysql ? sql`mediumtext` : sql`text`;
        await db.schema
          .createTable(table)
          .ifNotExists()
          .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
          .addColumn('token_hash', 'varchar(64)', (c) => c.notNull())
          .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
          .addColumn('ip_address', 'varchar(64)', (c) => c.notNull())
          .addColumn('user_agent', text, (c) => c.notNull())
          .addColumn('device_name', 'varchar(255)', (c) => c.notNull())
          .addColumn('device_type', 'varchar(16)', (c) => c.notNull())
          .addColumn('fingerprint', 'varchar(64)', (c) => c.notNull())
          .addColumn('data', text, (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_active_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          // MySQL compares strings case-insensitively by default: user "Alice" must not own "alice"'s sessions.
          .$call((q) => (mysql ? q.modifyEnd(sql`character set utf8mb4 collate utf8mb4_bin`) : q))
          .execute();
        await db.schema
          .createIndex(`${table}_token_hash_uq`)
          .unique()
          .on(table)
          .column('token_hash')
          .execute();
        await db.schema
          .createIndex(`${table}_user_idx`)
          .on(table)
          .columns(['user_id', 'last_active_at'])
          .execute();
        await db.schema.createIndex(`${table}_expires_idx`).on(table).column('expires_at').execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable(table).ifExists().execute();
      },
    },
    // Rotation grace: the token that rotate() replaced keeps opening the session for a short window, for requests
    // other tabs had in flight. Additive: existing rows get NULLs (no previous token).
    [`sess_0002_previous_token_${table}`]: {
      async up(db: Kysely<any>) {
        await db.schema.alterTable(table).addColumn('prev_token_hash', 'varchar(64)').execute();
        await db.schema.alterTable(table).addColumn('prev_token_valid_until', 'bigint').execute();
        await db.schema.createIndex(`${table}_prev_token_idx`).on(table).column('prev_token_hash').execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropIndex(`${table}_prev_token_idx`).on(table).execute();
        await db.schema.alterTable(table).dropColumn('prev_token_valid_until').execute();
        await db.schema.alterTable(table).dropColumn('prev_token_hash').execute();
      },
    },
    // MySQL/MariaDB: `utf8mb4_bin` is PAD SPACE, so "alice " = "alice" and one user could list, revoke and evict
    // another's sessions. A NO PAD binary collation compares user ids exactly, as PostgreSQL and SQLite do.
    // Nothing to do elsewhere. Changes the column in place; the index on (user_id, last_active_at) is rebuilt.
    [`sess_0003_exact_user_id_${table}`]: {
      async up(db: Kysely<any>) {
        if (dialectKind(db, options.dialect) !== 'mysql') return;
        const collation = await noPadBinaryCollation(db);
        await sql`alter table ${sql.table(table)} modify ${sql.ref('user_id')} varchar(255) character set utf8mb4 collate ${sql.raw(collation)} not null`.execute(
          db,
        );
      },
      async down(db: Kysely<any>) {
        if (dialectKind(db, options.dialect) !== 'mysql') return;
        await sql`alter table ${sql.table(table)} modify ${sql.ref('user_id')} varchar(255) character set utf8mb4 collate utf8mb4_bin not null`.execute(
          db,
        );
      },
    },
    // Guest sessions, "remember me" and fresh sign-in. Additive: existing rows are remembered (1) and have no sign-in
    // time (NULL: read as their creation time). Guest sessions use the existing columns (`user_id` is '').
    [`sess_0004_remember_and_sign_in_time_${table}`]: {
      async up(db: Kysely<any>) {
        await db.schema
          .alterTable(table)
          .addColumn('remembered', 'integer', (c) => c.notNull().defaultTo(1))
          .execute();
        await db.schema.alterTable(table).addColumn('authenticated_at', 'bigint').execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.alterTable(table).dropColumn('authenticated_at').execute();
        await db.schema.alterTable(table).dropColumn('remembered').execute();
      },
    },
  };
}

/**
 * The server's NO PAD binary utf8mb4 collation: `utf8mb4_nopad_bin` on MariaDB (10.2+), `utf8mb4_0900_bin` on
 * MySQL 8.0.17+. Throws on a server that has neither (MySQL 5.7): it cannot compare user ids exactly.
 */
async function noPadBinaryCollation(db: Kysely<any>): Promise<string> {
  const { rows } = await sql<{ name: string }>`
    select collation_name as name from information_schema.collations
    where collation_name in ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin') order by collation_name desc`.execute(
    db,
  );
  const name = rows[0]?.name;
  if (name === undefined) {
    throw new Error(
      'this MySQL server has no NO PAD binary collation (utf8mb4_nopad_bin or utf8mb4_0900_bin): sess needs MariaDB 10.2+ or MySQL 8.0.17+ to compare user ids exactly.',
    );
  }
  return name;
}

/** A Kysely `MigrationProvider` over {@link sessionMigrations}. */
export class SessionMigrationProvider implements MigrationProvider {
  readonly #options: MigrationOptions;
  constructor(options: MigrationOptions = {}) {
    this.#options = options;
  }
  async getMigrations(): Promise<Record<string, Migration>> {
    return sessionMigrations(this.#options);
  }
}

/**
 * Brings the session table to the latest schema. Idempotent and safe to run from several instances at once
 * (Kysely's migrator takes a lock). Bookkeeping is per table: `<tableName>_migrations` and `<tableName>_migrations_lock`.
 * Throws `STORE_FAILURE` when a migration fails.
 */
export async function migrateToLatest(
  appDb: Kysely<any>,
  options: MigrationOptions = {},
): Promise<MigrationResultSet> {
  const table = tableOf(options);
  const db = withoutAppPlugins(appDb);
  const dialect = dialectKind(db, options.dialect); // INVALID_CONFIG, before anything runs
  let result: MigrationResultSet;
  try {
    const schema = dialect === 'postgres' ? await currentSchema(db) : undefined;
    const migrator = new Migrator({
      db: dialect === 'sqlite' ? withTableNamesIntrospection(db) : db,
      provider: new SessionMigrationProvider({ tableName: table, dialect }),
      migrationTableName: `${table}_migrations`,
      migrationLockTableName: `${table}_migrations_lock`,
      ...(schema === undefined ? {} : { migrationTableSchema: schema }),
    });
    result = await migrator.migrateToLatest();
  } catch (error) {
    result = { error };
  }
  if (result.error) {
    throw new SessionError(
      'STORE_FAILURE',
      `migrateToLatest failed for table "${table}": ${describe(result.error)}`,
      {
        cause: result.error,
      },
    );
  }
  return result;
}

/**
 * SQLite: Kysely's migrator asks whether its bookkeeping tables exist by describing every table (`pragma_table_info`),
 * and Cloudflare D1 refuses to describe its own `_cf_*` tables (SQLITE_AUTH). Names are all the migrator needs: this
 * gives it an introspector that lists them and leaves D1's tables out. Everything else is `db` itself.
 */
function withTableNamesIntrospection(db: Kysely<any>): Kysely<any> {
  const introspector: DatabaseIntrospector = {
    getSchemas: async () => [],
    getTables: async () => {
      const { rows } = await sql<{ name: string; type: string }>`
        select name, type from sqlite_master
        where type in ('table', 'view') and substr(name, 1, 7) <> 'sqlite_' and substr(name, 1, 4) <> '_cf_'`.execute(
        db,
      );
      return rows.map((r) => ({ name: r.name, isView: r.type === 'view', columns: [] }));
    },
    getMetadata: async () => ({ tables: await introspector.getTables() }),
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === 'introspection') return introspector;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * PostgreSQL: the schema that unqualified names resolve to (`current_schema()`), where the session table is created.
 * Kysely's migrator otherwise looks for its bookkeeping tables in every schema, so a table of the same name in a
 * schema off the `search_path` (another tenant, an old copy) made it skip creating its own and then fail.
 */
async function currentSchema(db: Kysely<any>): Promise<string | undefined> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import { SessionMigrationProvider, sessionMigrations } from '@sess/core';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type DialectAdapter,
  type Driver,
  Kysely,
  Migrator,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
import type { DatabaseTarget } from './database.js';

/** The SQL of one migration that `sess migrate` would run. */
export interface MigrationSql {
  /** The migration's name, as recorded in `<table>_migrations`. */
  name: string;
  /** Its statements in order; empty when it has nothing to do on this database (it is still recorded). */
  statements: string[];
}

type Kind = DatabaseTarget['kind'];

const DIALECTS: Record<
  Kind,
  {
    adapter(): DialectAdapter;
    compiler(): QueryCompiler;
    introspector(db: Kysely<any>): DatabaseIntrospector;
  }
> = {
  sqlite: {
    adapter: () => new SqliteAdapter(),
    compiler: () => new SqliteQueryCompiler(),
    introspector: (db) => new SqliteIntrospector(db),
  },
  postgres: {
    adapter: () => new PostgresAdapter(),
    compiler: () => new PostgresQueryCompiler(),
    introspector: (db) => new PostgresIntrospector(db),
  },
  mysql: {
    adapter: () => new MysqlAdapter(),
    compiler: () => new MysqlQueryCompiler(),
    introspector: (db) => new MysqlIntrospector(db),
  },
};

/** Statements a dry run may send to the live database: they read (the server's collations), never write. */
const READ = /^\s*(select|with|show)\b/i;

/**
 * The SQL that `sess migrate` would run now, migration by migration, without running any of it: the session
 * schema's pending migrations compiled for this database's dialect. `live` is the database, to find which migrations
 * it has applied and to answer the reads a migration makes (MySQL: which collation the server has); without it (a
 * SQLite file that does not exist yet) every migration is pending.
 *
 * Kysely's migrator also creates and fills its bookkeeping tables (`<table>_migrations`, `<table>_migrations_lock`);
 * that SQL is not part of the result.
 */
export async function pendingMigrationSql(
  kind: Kind,
  live: Kysely<any> | undefined,
  table: string,
): Promise<MigrationSql[]> {
  const migrations = sessionMigrations({ tableName: table });
  const pending = live ? await pendingMigrations(kind, live, table) : Object.keys(migrations).sort();
  const result: MigrationSql[] = [];
  for (const name of pending) {
    const recorded: CompiledQuery[] = [];
    const dry = dryRunDatabase(kind, recorded, live);
    try {
      await migrations[name]?.up(dry);
    } finally {
      await dry.destroy();
    }
    result.push({ name, statements: recorded.map(render) });
  }
  return result;
}

/**
 * The names of the session migrations not applied yet, as Kysely's migrator sees them with the bookkeeping that
 * `migrateToLatest` of `@sess/core` uses (`<table>_migrations`, on PostgreSQL in `current_schema()`). Only reads:
 * a database without the bookkeeping table has applied nothing.
 */
async function pendingMigrations(kind: Kind, db: Kysely<any>, table: string): Promise<string[]> {
  let schema: string | undefined;
  if (kind === 'postgres') {
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    schema = rows[0]?.schema ?? undefined;
  }
  const migrator = new Migrator({
    db,
    provider: new SessionMigrationProvider({ tableName: table }),
    migrationTableName: `${table}_migrations`,
    migrationLockTableName: `${table}_migrations_lock`,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/**
 * A Kysely instance of the target's dialect whose driver records each statement instead of running it. Reads go to
 * `live`, so that a migration that asks the server something (MySQL: its collations) gets the real answer.
 */
function dryRunDatabase(kind: Kind, recorded: CompiledQuery[], live: Kysely<any> | undefined): Kysely<any> {
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      if (READ.test(query.sql)) {
        if (!live)
          throw new Error(`a migration reads from the database, which does not exist yet: ${query.sql}`);
        return live.executeQuery<R>(query);
      }
      recorded.push(query);
      return { rows: [] };
    },
    // biome-ignore lint/correctness/useYield: a dry run streams nothing
    async *streamQuery() {
      throw new Error('a dry run does not stream');
    },
  };
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    beginTransaction: async () => {},
    commitTransaction: async () => {},
    rollbackTransaction: async () => {},
    releaseConnection: async () => {},
    destroy: async () => {},
  };
  const dialect = DIALECTS[kind];
  return new Kysely<any>({
    dialect: {
      createAdapter: dialect.adapter,
      createDriver: () => driver,
      createQueryCompiler: dialect.compiler,
      createIntrospector: dialect.introspector,
    },
  });
}

/** One statement as SQL text: a `create table` with a column per line, parameters (none so far) in a comment. */
function render(query: CompiledQuery): string {
  let text = query.sql;
  const open = text.indexOf('(');
  if (/^create table\b/i.test(text) && open > 0) {
    const parts: string[] = [];
    let depth = 0;
    let start = open + 1;
    let close = -1;
    for (let i = open + 1; i < text.length && close < 0; i++) {
      const c = text[i];
      if (c === '(') depth++;
      else if (c === ')' && depth > 0) depth--;
      else if (c === ')') close = i;
      else if (c === ',' && depth === 0) {
        parts.push(text.slice(start, i).trim());
        start = i + 1;
      }
    }
    if (close > 0) {
      parts.push(text.slice(start, close).trim());
      text = `${text.slice(0, open + 1)}\n  ${parts.join(',\n  ')}\n${text.slice(close)}`;
    }
  }
  const parameters = query.parameters.length > 0 ? ` -- parameters: ${JSON.stringify(query.parameters)}` : '';
  return `${text};${parameters}`;
}

import { SqliteDialect } from 'kysely';

/** The part of `node:sqlite`'s `DatabaseSync` the dialect uses. */
export interface DatabaseSyncLike {
  close(): void;
  prepare(sql: string): {
    columns(): unknown[];
    all(...parameters: unknown[]): unknown[];
    run(...parameters: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
    iterate(...parameters: unknown[]): IterableIterator<unknown>;
  };
}

/**
 * Kysely's `SqliteDialect` on `node:sqlite` (Deno, Node >= 22.13): Kysely 0.28 has no dialect for it, and its
 * `DatabaseSync` differs from better-sqlite3 only in how a statement says whether it returns rows.
 */
export class NodeSqliteDialect extends SqliteDialect {
  constructor(db: DatabaseSyncLike) {
    super({
      database: {
        close: () => db.close(),
        prepare: (sql: string) => {
          const statement = db.prepare(sql);
          return {
            reader: statement.columns().length > 0,
            all: (parameters: readonly unknown[]) => statement.all(...parameters),
            run: (parameters: readonly unknown[]) => statement.run(...parameters),
            iterate: (parameters: readonly unknown[]) => statement.iterate(...parameters),
          };
        },
      } as never,
    });
  }
}

import type { Kysely } from 'kysely';

let counter = 0;

/** A table name unique to this process and call, so parallel test files never collide. */
export function uniqueTableName(prefix = 't'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

/** Drops a session table and the two bookkeeping tables its migrations add (`<table>_migrations`, `_lock`). */
export async function dropSessionTables(db: Kysely<any>, table: string): Promise<void> {
  for (const name of [table, `${table}_migrations`, `${table}_migrations_lock`]) {
    await db.schema.dropTable(name).ifExists().execute();
  }
}

/** Number of rows in a table. */
export async function countRows(db: Kysely<any>, table: string): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

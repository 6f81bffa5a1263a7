import { type Kysely, sql } from 'kysely';
import { describe } from 'vitest';

/** A database server the tests can run on, named by an environment variable. */
export type ServerKind = 'postgres' | 'mysql';

const ENV: Record<ServerKind, string> = {
  postgres: 'SESS_TEST_POSTGRES_URL',
  mysql: 'SESS_TEST_MYSQL_URL',
};

/** The server's URL from its environment variable, or `undefined` when unset. */
export function serverUrl(kind: ServerKind): string | undefined {
  return process.env[ENV[kind]] || undefined;
}

/**
 * `describe` on a database server. When its env var is unset the block is skipped with a printed reason on a
 * laptop, and fails the run under `CI=true` (CI must run every test).
 */
export function describeOnServer(kind: ServerKind, name: string, body: (url: string) => void): void {
  const url = serverUrl(kind);
  if (url) {
    describe(`${name} (${kind})`, () => body(url));
    return;
  }
  if (process.env.CI) throw new Error(`${ENV[kind]} is not set: CI must run the ${kind} hardening tests.`);
  const why = `skipped because ${ENV[kind]} is unset (set it to run against a ${kind} server)`;
  console.warn(`[hardening] ${name} (${kind}): ${why}`);
  describe.skip(`${name} (${kind}: ${why})`, () => body(''));
}

let counter = 0;
/** A table name unique to this process and call: test files run in parallel and never share a table. */
export function uniqueTableName(prefix: string): string {
  counter += 1;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

/** Drops a session table and its migration bookkeeping tables. */
export async function dropSessionTables(db: Kysely<any>, table: string): Promise<void> {
  for (const name of [table, `${table}_migrations`, `${table}_migrations_lock`]) {
    await sql`drop table if exists ${sql.table(name)}`.execute(db);
  }
}

/** Number of rows in a session table. */
export async function countRows(db: Kysely<any>, table: string): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

import { migrateToLatest } from '@sess/core';
import { countingDialect, Fault, failingDialect, QueryCounter } from '@sess/core/testing';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

/** An in-memory SQLite database with the session table, behind a switchable fault. */
export async function openDb(tableName: string): Promise<{ db: Kysely<any>; fault: Fault }> {
  const fault = new Fault();
  const db = new Kysely<any>({
    dialect: failingDialect(new SqliteDialect({ database: new Database(':memory:') }), fault),
  });
  await migrateToLatest(db, { tableName });
  return { db, fault };
}

/** An in-memory SQLite database with the session table, whose statements `counter` records. */
export async function openCountedDb(tableName: string): Promise<{ db: Kysely<any>; counter: QueryCounter }> {
  const counter = new QueryCounter();
  const db = new Kysely<any>({
    dialect: countingDialect(new SqliteDialect({ database: new Database(':memory:') }), counter),
  });
  await migrateToLatest(db, { tableName });
  counter.reset();
  return { db, counter };
}

import { readdirSync, readFileSync } from 'node:fs';
import { sessionMigrations } from '@sess/core';
import {
  type CompiledQuery,
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { describe, expect, it } from 'vitest';

/** The statements of SQL text, without comments, one line each. */
function statements(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim())
    .filter(Boolean);
}

describe('migrations/', () => {
  it('holds exactly the SQL of sessionMigrations() on SQLite, so D1 has the schema the store expects', async () => {
    const compiled: CompiledQuery[] = [];
    // Kysely on SQLite that runs nothing: each migration's statements are only compiled and collected.
    const db = new Kysely<any>({
      dialect: {
        createAdapter: () => new SqliteAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (db) => new SqliteIntrospector(db),
        createQueryCompiler: () => new SqliteQueryCompiler(),
      },
      log: (event) => {
        compiled.push(event.query);
      },
    });
    for (const migration of Object.values(sessionMigrations())) await migration.up(db);
    const dir = new URL('../migrations/', import.meta.url);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    const written = files.flatMap((f) => statements(readFileSync(new URL(f, dir), 'utf8')));
    expect(written).toEqual(compiled.map((q) => statements(q.sql)[0]));
  });
});

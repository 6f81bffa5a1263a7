import { beforeAll, describe, expect, it } from 'vitest';
import {
  activeDialects,
  countRows,
  DIALECTS,
  dropSessionTables,
  forEachDialect,
  uniqueTableName,
  useTestDatabase,
} from '../src/index.js';

const SERVERS = { SESS_TEST_POSTGRES_URL: 'postgres://x', SESS_TEST_MYSQL_URL: 'mysql://x' };
const summary = (env: NodeJS.ProcessEnv, filter = {}) =>
  activeDialects(filter, env).map(({ spec, skip }) => `${spec.name}:${skip ? 'skip' : 'run'}`);

describe('activeDialects', () => {
  it('runs every dialect when the servers are named and SESS_TEST_DIALECTS is unset', () => {
    expect(summary(SERVERS)).toEqual([
      'sqlite-memory:run',
      'sqlite-file:run',
      'pglite:run',
      'postgres:run',
      'mysql:run',
    ]);
  });

  it('skips the dialects SESS_TEST_DIALECTS leaves out, and reads "sqlite" as both SQLite ones', () => {
    expect(summary({ ...SERVERS, SESS_TEST_DIALECTS: 'sqlite, mysql' })).toEqual([
      'sqlite-memory:run',
      'sqlite-file:run',
      'pglite:skip',
      'postgres:skip',
      'mysql:run',
    ]);
    expect(
      summary({ ...SERVERS, SESS_TEST_DIALECTS: 'pglite' }, { only: ['sqlite-memory', 'pglite'] }),
    ).toEqual(['sqlite-memory:skip', 'pglite:run']);
  });

  it('skips a server dialect whose URL is unset with a reason that names the variable', () => {
    const [postgres] = activeDialects({ only: ['postgres'] }, {});
    expect(postgres?.skip).toMatch(/SESS_TEST_POSTGRES_URL is unset/);
  });

  it('throws under CI when a server dialect the run needs has no URL', () => {
    expect(() => activeDialects({}, { CI: 'true', SESS_TEST_POSTGRES_URL: 'postgres://x' })).toThrow(
      /SESS_TEST_MYSQL_URL is not set: CI must run the mysql tests/,
    );
    // Not needed by the run (left out by SESS_TEST_DIALECTS or by the suite): no error.
    expect(summary({ CI: 'true', SESS_TEST_DIALECTS: 'sqlite' })).toContain('mysql:skip');
    expect(summary({ CI: 'true' }, { except: ['postgres', 'mysql'] })).toHaveLength(3);
  });

  it('keeps the order and filters of the suite: only, then except', () => {
    expect(DIALECTS.map((d) => d.name)).toEqual([
      'sqlite-memory',
      'sqlite-file',
      'pglite',
      'postgres',
      'mysql',
    ]);
    expect(summary(SERVERS, { only: ['mysql', 'sqlite-memory'], except: ['mysql'] })).toEqual([
      'sqlite-memory:run',
    ]);
  });
});

describe('uniqueTableName', () => {
  it('never repeats a name within a process', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueTableName('x')));
    expect(names.size).toBe(100);
  });
});

forEachDialect((spec) => {
  const table = uniqueTableName('tdb');
  const t = useTestDatabase(spec, { sessionTables: [table] });

  beforeAll(async () => {
    await t.db.schema.createTable(table).addColumn('id', 'integer').execute();
  });

  it('opens the database and counts the rows of a table', async () => {
    await t.db
      .insertInto(table)
      .values([{ id: 1 }, { id: 2 }])
      .execute();
    expect(await countRows(t.db, table)).toBe(2);
  });

  it('drops a session table with its two migration tables', async () => {
    const other = uniqueTableName('tdb_drop');
    for (const name of [other, `${other}_migrations`, `${other}_migrations_lock`]) {
      await t.db.schema.createTable(name).addColumn('id', 'integer').execute();
    }
    await dropSessionTables(t.db, other);
    const left = (await t.db.introspection.getTables()).map((x) => x.name).filter((n) => n.startsWith(other));
    expect(left).toEqual([]);
  });

  it('names the same database in its url, where another process can reach it', async () => {
    if (spec.name === 'sqlite-memory' || spec.name === 'pglite') {
      expect(t.url).toBeUndefined();
      return;
    }
    expect(t.url).toBeTruthy();
    if (spec.name !== 'sqlite-file') return;
    const second = await spec.open({ sqlitePath: (t.url as string).slice('sqlite:'.length) });
    try {
      expect(await countRows(second.db, table)).toBe(2);
    } finally {
      await second.close();
    }
  });
});

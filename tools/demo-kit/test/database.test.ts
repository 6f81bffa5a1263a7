import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { forEachDialect, startTcpProxy, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sess-demo-kit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const noDefault = { sqlitePath: join(dir, 'unused', 'default.sqlite') };

describe('openDatabase on SQLite', () => {
  it('opens the demo’s own SQLite file when DATABASE_URL is unset or empty, creating its folder', async () => {
    const sqlitePath = join(dir, 'data', 'sess.sqlite');
    for (const url of [undefined, '']) {
      const opened = openDatabase(url, { sqlitePath });
      await sql`select 1`.execute(opened.db);
      await opened.db.destroy();
      expect(opened.kind).toBe('sqlite');
    }
    expect(existsSync(sqlitePath)).toBe(true);
  });

  it('opens the same file from sqlite:PATH, file:PATH, a file:// URL and a plain path', async () => {
    const file = join(dir, 'named.sqlite');
    const writer = openDatabase(`sqlite:${file}`, noDefault);
    await writer.db.schema.createTable('t').addColumn('n', 'integer').execute();
    await writer.db.insertInto('t').values({ n: 7 }).execute();
    for (const url of [`file:${file}`, pathToFileURL(file).href, file, `sqlite://${file}`]) {
      const reader = openDatabase(url, noDefault);
      expect(await reader.db.selectFrom('t').select('n').execute()).toEqual([{ n: 7 }]);
      expect(reader.description).toMatch(/^SQLite .*named\.sqlite$/);
      await reader.db.destroy();
    }
    await writer.db.destroy();
  });

  it('opens a throwaway in-memory database for sqlite::memory:', async () => {
    const opened = openDatabase('sqlite::memory:', noDefault);
    expect(opened.description).toBe('SQLite :memory:');
    await sql`select 1`.execute(opened.db);
    await opened.db.destroy();
  });

  it('does not create a folder that a named path points into', () => {
    const file = join(dir, 'no', 'such', 'folder', 'x.sqlite');
    expect(() => openDatabase(`sqlite:${file}`, noDefault)).toThrow();
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });

  it('refuses a URL it cannot open, naming it without its password', () => {
    expect(() => openDatabase('redis://user:hunter2@cache:6379', noDefault)).toThrow(
      /DATABASE_URL must be .*"redis:\/\/user:\*\*\*@cache:6379"/,
    );
    expect(() => openDatabase('sqlite:', noDefault)).toThrow(/DATABASE_URL must be/);
  });
});

/** The PostgreSQL URL with a password added (the test server trusts local connections, so any password works). */
function withPassword(url: string): string {
  const u = new URL(url);
  u.password = 'hunter2';
  if (!u.username) u.username = 'root';
  return u.toString();
}

forEachDialect(
  (spec) => {
    it('connects to the server DATABASE_URL names and describes it without the password', async () => {
      const t = await spec.open();
      await t.close();
      const url = spec.name === 'postgres' ? withPassword(t.url as string) : (t.url as string);
      const opened = openDatabase(url, noDefault);
      try {
        expect(opened.kind).toBe(spec.name);
        expect(opened.description).toMatch(
          spec.name === 'postgres' ? /^PostgreSQL postgres:/ : /^MySQL mysql:/,
        );
        if (spec.name === 'postgres') expect(opened.description).toContain(':***@');
        expect(opened.description).not.toContain('hunter2');
        await sql`select 1`.execute(opened.db);
      } finally {
        await opened.db.destroy();
      }
    });

    if (spec.name === 'mysql') {
      it('reads mariadb:// as MySQL', async () => {
        const t = await spec.open();
        await t.close();
        const opened = openDatabase((t.url as string).replace(/^mysql:/, 'mariadb:'), noDefault);
        expect(opened.kind).toBe('mysql');
        await sql`select 1`.execute(opened.db);
        await opened.db.destroy();
      });
    }
  },
  { only: ['postgres', 'mysql'] },
);

// The crash this stops: node-postgres emits 'error' on the pool (idle client) or on a client Kysely holds between
// statements when the server drops the connection; with no listener that is an uncaught exception and the process
// exits. Vitest fails the run on such an error, so this suite fails without the listeners.
forEachDialect(
  (spec) => {
    const table = uniqueTableName('demo_kit_outage');
    const t = useTestDatabase(spec, { sessionTables: [table] });
    beforeAll(() => t.db.schema.createTable(table).addColumn('n', 'integer').execute());

    it('survives PostgreSQL dropping idle connections and one a transaction holds, logs it once, and reconnects', async () => {
      const proxy = await startTcpProxy(t.url as string);
      const logged: string[] = [];
      const { db } = openDatabase(proxy.route(t.url as string), { ...noDefault, log: (m) => logged.push(m) });
      try {
        // Two pooled clients: one idle, one held by a transaction between two statements when the link is cut.
        await Promise.all([sql`select pg_sleep(0.05)`.execute(db), sql`select pg_sleep(0.05)`.execute(db)]);
        const transaction = db.transaction().execute(async (trx) => {
          await trx.insertInto(table).values({ n: 1 }).execute();
          proxy.cut();
          await new Promise((resolve) => setTimeout(resolve, 100));
          await trx.insertInto(table).values({ n: 2 }).execute();
        });
        await expect(transaction).rejects.toThrow();
        await expect(sql`select 1`.execute(db)).rejects.toThrow();
        expect(logged).toHaveLength(1);
        expect(logged[0]).toMatch(/^database connection lost \(.+\); requests get 503 until it is back$/);

        proxy.restore();
        await sql`select 1`.execute(db);
        expect(await db.selectFrom(table).selectAll().execute()).toEqual([]);
      } finally {
        proxy.restore();
        await db.destroy();
        await proxy.close();
      }
    });
  },
  { only: ['postgres'] },
);

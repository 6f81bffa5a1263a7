import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { forEachDialect, startTcpProxy, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenDatabaseOptions, openDatabase } from '../src/index.js';

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

/** Polls `check` every 20 ms until it holds; throws after 5 s. */
async function waitFor(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('openDatabase timeouts', () => {
  it('reads them from the options, else SESS_DB_CONNECT_TIMEOUT_MS / SESS_DB_QUERY_TIMEOUT_MS, and refuses bad ones', async () => {
    const open = (options: Partial<OpenDatabaseOptions>) =>
      openDatabase('postgres://root@127.0.0.1:1/none', { ...noDefault, ...options });
    const env = { SESS_DB_CONNECT_TIMEOUT_MS: '250', SESS_DB_QUERY_TIMEOUT_MS: '0' };
    await open({ env }).db.destroy();
    await open({ env: { SESS_DB_QUERY_TIMEOUT_MS: '' } }).db.destroy(); // empty: the default
    expect(() => open({ env: { SESS_DB_QUERY_TIMEOUT_MS: '5s' } })).toThrow(
      /^SESS_DB_QUERY_TIMEOUT_MS must be a whole number of milliseconds, at least 0 \(got "5s"\)\.$/,
    );
    expect(() => open({ env: { SESS_DB_CONNECT_TIMEOUT_MS: '0' } })).toThrow(
      /^SESS_DB_CONNECT_TIMEOUT_MS must be .* at least 1/,
    );
    expect(() => open({ env, queryTimeoutMs: -1 })).toThrow(/^queryTimeoutMs must be .* \(got -1\)/);
    expect(() =>
      openDatabase('mysql://root@127.0.0.1:1/none', { ...noDefault, connectTimeoutMs: 1.5 }),
    ).toThrow(/^connectTimeoutMs must be/);
  });

  // A server that accepts connections and never answers: a stalled database, or a port behind a dead proxy.
  for (const scheme of ['postgres', 'mysql'] as const) {
    it(`gives up on a ${scheme} server that accepts connections and never answers, after connectTimeoutMs`, async () => {
      const held: Socket[] = [];
      let closedByClient = 0;
      const silent = createServer({ allowHalfOpen: true }, (socket) => {
        held.push(socket);
        socket.on('error', () => {});
        socket.once('end', () => closedByClient++);
        socket.resume(); // read (and drop) what the driver sends, to see it close
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as AddressInfo;
      const { db } = openDatabase(`${scheme}://root@127.0.0.1:${port}/test`, {
        ...noDefault,
        connectTimeoutMs: 300,
        log: () => {},
      });
      try {
        const started = performance.now();
        await expect(sql`select 1`.execute(db)).rejects.toThrow();
        const ms = performance.now() - started;
        expect(ms).toBeGreaterThanOrEqual(250);
        expect(ms).toBeLessThan(2_000);
      } finally {
        await db.destroy();
        // Nothing left open towards the silent server: the process could exit.
        await waitFor('the driver to close its sockets', () => closedByClient === held.length);
        expect(held.length).toBeGreaterThan(0);
        for (const socket of held) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });
  }
});

/** The id of the server session (backend) a query runs on: tells a reused connection from a new one. */
function sessionId(kind: 'postgres' | 'mysql') {
  return kind === 'postgres'
    ? sql<{ id: number }>`select pg_backend_pid() as id`
    : sql<{ id: number }>`select connection_id() as id`;
}

function sleepQuery(kind: 'postgres' | 'mysql', seconds: number) {
  return kind === 'postgres' ? sql`select pg_sleep(${seconds})` : sql`select sleep(${seconds})`;
}

// The stall this stops: node-postgres's query_timeout and mysql2's query timeout fail the query but leave its
// connection busy with it, and Kysely releases it to the pool as healthy: with one connection, every later query
// waits behind the stalled one (for ever when the database stalled).
forEachDialect(
  (spec) => {
    const kind = spec.name as 'postgres' | 'mysql';
    const url = () => process.env[spec.env as string] as string;

    it('fails a statement unanswered after queryTimeoutMs, and replaces its connection instead of reusing it', async () => {
      const { db } = openDatabase(url(), { ...noDefault, poolSize: 1, queryTimeoutMs: 300, log: () => {} });
      try {
        const before = (await sessionId(kind).execute(db)).rows[0]?.id;
        const started = performance.now();
        const stalled = sleepQuery(kind, 3).execute(db);
        await expect(stalled).rejects.toMatchObject({
          message: 'the database did not answer a query within 300 ms',
          code: 'ETIMEDOUT',
        });
        expect(performance.now() - started).toBeLessThan(1_500);
        const next = performance.now();
        const after = (await sessionId(kind).execute(db)).rows[0]?.id;
        expect(performance.now() - next).toBeLessThan(1_000); // not queued behind the 3 s sleep
        expect(after).not.toBe(before);
      } finally {
        await db.destroy();
      }
    });

    it('keeps a connection on which the server answered with an error', async () => {
      const { db } = openDatabase(url(), { ...noDefault, poolSize: 1, log: () => {} });
      try {
        const before = (await sessionId(kind).execute(db)).rows[0]?.id;
        await expect(sql`select * from sess_no_such_table`.execute(db)).rejects.toThrow();
        expect((await sessionId(kind).execute(db)).rows[0]?.id).toBe(before);
      } finally {
        await db.destroy();
      }
    });

    it('logs stalled statements once per outage, and again after a new connection succeeded', async () => {
      const logged: string[] = [];
      const log = (m: string) => logged.push(m);
      const { db } = openDatabase(url(), { ...noDefault, poolSize: 2, queryTimeoutMs: 300, log });
      const lost =
        'database connection lost (the database did not answer a query within 300 ms); requests get 503 until it is back';
      try {
        await Promise.all([sql`select 1`.execute(db), sql`select 1`.execute(db)]); // both connections open
        const stalled = [sleepQuery(kind, 2).execute(db), sleepQuery(kind, 2).execute(db)];
        for (const s of stalled) await expect(s).rejects.toMatchObject({ code: 'ETIMEDOUT' });
        expect(logged).toEqual([lost]); // one outage, two connections lost
        await sql`select 1`.execute(db); // a new connection: the outage is over
        await expect(sleepQuery(kind, 2).execute(db)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
        expect(logged).toEqual([lost, lost]);
      } finally {
        await db.destroy();
      }
    });

    it('closes on db.destroy() without waiting for a statement in flight, and logs nothing', async () => {
      const logged: string[] = [];
      const log = (m: string) => logged.push(m);
      const { db } = openDatabase(url(), { ...noDefault, queryTimeoutMs: 0, log });
      await sql`select 1`.execute(db);
      const inFlight = sleepQuery(kind, 5).execute(db);
      inFlight.catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = performance.now();
      await db.destroy();
      expect(performance.now() - started).toBeLessThan(1_000);
      await expect(inFlight).rejects.toThrow();
      expect(logged).toEqual([]);
    });
  },
  { only: ['postgres', 'mysql'] },
);

/**
 * Hono + @sess/hono on SQLite (a WAL-mode file, as an app would run it) or PostgreSQL, chosen by the first argument.
 * With the second argument `plain`, the Kysely dialect gets the bare driver handle; otherwise the handle is wrapped
 * as sess's docs recommend (`withStatementCache` for better-sqlite3, `withPreparedStatements` for a pg pool).
 * `POST /login?user=N` signs in with `{ name }` in the session data; `GET /me` reads that one value.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { migrateToLatest, SessionStore } from '@sess/core';
import { withPreparedStatements, withStatementCache } from '@sess/core/drivers';
import { requireSession, type SessionEnv, session } from '@sess/hono';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { countPostgres, countSqlite } from '../lib/driver-counter.js';
import { postgresPoolConfig, runServer } from './harness.js';

const kind = process.argv[2];
const plain = process.argv[3] === 'plain';
if (kind !== 'sqlite' && kind !== 'postgres') throw new Error('usage: hono-sess.js sqlite|postgres [plain]');

type Data = { name: string };
/** Each variant its own table, so PostgreSQL's table statistics can be told apart. */
const TABLE = plain ? 'sess_bench_plain' : 'sess_bench_sessions';

function openDatabase(): { db: Kysely<any>; close: () => Promise<void> } {
  if (kind === 'postgres') {
    countPostgres(pg);
    const pool = new pg.Pool(postgresPoolConfig());
    const db = new Kysely<any>({
      dialect: new PostgresDialect({ pool: plain ? pool : withPreparedStatements(pool) }),
    });
    return { db, close: () => db.destroy() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'sess-bench-'));
  const sqlite = new Database(join(dir, 'sessions.db'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  countSqlite(sqlite);
  const db = new Kysely<any>({
    dialect: new SqliteDialect({ database: plain ? sqlite : withStatementCache(sqlite) }),
  });
  return {
    db,
    close: async () => {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const setup =
  kind === 'sqlite'
    ? `SQLite${plain ? '' : ', withStatementCache'}`
    : `PostgreSQL${plain ? '' : ', withPreparedStatements'}`;

await runServer(`Hono + @sess/hono (${setup})`, async () => {
  const { db, close } = openDatabase();
  await migrateToLatest(db, { tableName: TABLE });
  // The defaults a user gets (touch interval 5 min), with cookies a plain-HTTP load client may send back.
  const store = new SessionStore(db, { tableName: TABLE }, { secure: false });
  const app = new Hono<SessionEnv<Data>>();
  app.use(session<Data>({ store }));
  app.post('/login', async (c) => {
    const user = c.req.query('user') ?? '0';
    await c.get('session').authenticate(`user-${user}`, { name: `User ${user}` });
    return c.body(null, 204);
  });
  app.get('/me', requireSession(), (c) => c.json({ name: c.get('session').get('name') }));
  return { server: createAdaptorServer({ fetch: app.fetch }) as Server, close };
});

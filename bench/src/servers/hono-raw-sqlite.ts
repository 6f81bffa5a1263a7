/**
 * The HTTP-level floor for a database-backed session on SQLite: Hono with a hand-written lookup and no session
 * library. `GET /me` reads the cookie, hashes the token, runs one raw prepared better-sqlite3 statement and parses
 * the row's JSON; nothing else (no fingerprint, no expiry handling beyond the WHERE clause, no Vary header).
 * `POST /login` creates the session with `SessionStore.create` on the same table, so the rows are the real ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { migrateToLatest, SessionStore, SessionToken } from '@sess/core';
import { getCookieFromHeader } from '@sess/core/adapter';
import { withStatementCache } from '@sess/core/drivers';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { Kysely, SqliteDialect } from 'kysely';
import { countSqlite } from '../lib/driver-counter.js';
import { CLIENT_HEADERS, runServer } from './harness.js';

await runServer('Hono + hand-written SQLite lookup (no session library)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sess-bench-'));
  const sqlite = new Database(join(dir, 'sessions.db'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  countSqlite(sqlite);
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  await migrateToLatest(db, { tableName: 'raw_sessions' });
  const store = new SessionStore(db, { tableName: 'raw_sessions' }, { secure: false });
  const lookup = sqlite.prepare('select data from raw_sessions where token_hash = ? and expires_at > ?');
  const meta = {
    ipAddress: '127.0.0.1',
    userAgent: CLIENT_HEADERS['user-agent'],
    deviceName: 'Unknown on Unknown',
    deviceType: 'desktop' as const,
    fingerprint: '',
  };
  const app = new Hono();
  app.post('/login', async (c) => {
    const user = c.req.query('user') ?? '0';
    const { token } = await store.create(meta, `user-${user}`, { name: `User ${user}` });
    c.header('Set-Cookie', `_session=${token.expose()}; Path=/; HttpOnly`);
    return c.body(null, 204);
  });
  app.get('/me', (c) => {
    const token = SessionToken.parse(getCookieFromHeader(c.req.header('Cookie'), '_session'));
    const row = token ? (lookup.get(token.hash(), Date.now()) as { data: string } | undefined) : undefined;
    if (!row) return c.json({ error: 'sign in first' }, 401);
    return c.json({ name: (JSON.parse(row.data) as { name: string }).name });
  });
  return {
    server: createAdaptorServer({ fetch: app.fetch }) as Server,
    close: async () => {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

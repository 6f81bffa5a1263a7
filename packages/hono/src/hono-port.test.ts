import { createAdaptorServer } from '@hono/node-server';
import { migrateToLatest, SessionStore } from '@sess/core';
import { parseSetCookies } from '@sess/core/testing';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SessionEnv, session } from './index.js';

/** The runtime's own Response: its `redirect()` headers are immutable (the node-server globals are not yet installed). */
const NativeResponse = globalThis.Response;

/** `@hono/node-server`'s lightweight response keeps its body and headers under a `cache` symbol until read. */
const isLightweight = (res: Response) =>
  Object.getOwnPropertySymbols(res).some((s) => s.description === 'cache');

describe('the Hono port after the route answered', () => {
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  const store = new SessionStore(db, {}, { secure: false });
  const app = new Hono<SessionEnv>();
  app.use(session({ store, getConnInfo: () => ({ remote: { address: '127.0.0.1' } }) }));
  app.post('/login', async (c) => {
    await c.get('session').authenticate('alice');
    return c.json({ ok: true });
  });
  app.get('/me', (c) => c.json({ userId: c.get('session').userId }));
  app.get('/redirect', () => NativeResponse.redirect('http://localhost/elsewhere', 302));

  beforeAll(async () => {
    await migrateToLatest(db);
    // Installs @hono/node-server's lightweight Request/Response globals, as serving does.
    createAdaptorServer({ fetch: app.fetch });
  });
  afterAll(() => db.destroy());

  it("keeps @hono/node-server's lightweight response (no streamed web Response per request)", async () => {
    const login = await app.fetch(new Request('http://localhost/login', { method: 'POST' }));
    expect(isLightweight(login)).toBe(true);
    const cookie = parseSetCookies(login.headers)[0];
    expect(cookie?.name).toBe('_session');
    const me = await app.fetch(
      new Request('http://localhost/me', { headers: { cookie: `${cookie?.name}=${cookie?.value}` } }),
    );
    expect(isLightweight(me)).toBe(true);
    expect(me.headers.get('Vary')).toBe('Cookie');
    expect(await me.json()).toEqual({ userId: 'alice' });
  });

  it('still sets Vary and clears a dead cookie on a response whose headers cannot be edited', async () => {
    const res = await app.fetch(
      new Request('http://localhost/redirect', { headers: { cookie: `_session=${'a'.repeat(64)}` } }),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('Location')).toBe('http://localhost/elsewhere');
    expect(res.headers.get('Vary')).toBe('Cookie');
    expect(res.headers.get('Cache-Control')).toBe('private, no-store');
    expect(parseSetCookies(res.headers)[0]?.maxAge).toBe(0);
  });
});

import { migrateToLatest, SessionError, SessionStore } from '@sess/core';
import { FakeClock, parseSetCookies } from '@sess/core/testing';
import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { AppClient } from '@sess/test-kit';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { requireFresh, requireSession, type SessionEnv, session } from '../src/index.js';

// Guest sessions, "remember me", flash messages and fresh sign-in, through the Hono middleware on a real database.

type Data = { cart?: string[]; theme?: string };

forEachDialect(
  (spec) => {
    const table = uniqueTableName('hono_fresh');
    const t = useTestDatabase(spec, { sessionTables: [table] });
    let db: Kysely<any>;
    let clock: FakeClock;
    let store: SessionStore;

    beforeAll(async () => {
      db = t.db;
      await migrateToLatest(db, { tableName: table });
    });

    beforeEach(async () => {
      // Hono's default onError logs a route's error before the middleware answers it; keep the output readable.
      vi.spyOn(console, 'error').mockImplementation(() => {});
      await db.deleteFrom(table).execute();
      clock = new FakeClock('2030-01-01T10:00:00Z');
      store = new SessionStore(db, { tableName: table, now: clock.now, guests: true });
    });

    afterEach(() => {
      vi.restoreAllMocks();
    });

    const rows = () => db.selectFrom(table).select(['id', 'user_id']).execute();

    function makeApp() {
      const app = new Hono<SessionEnv<Data>>();
      app.use(session<Data>({ store }));
      app.get('/cart', (c) => {
        const s = c.get('session');
        return c.json({ userId: s.userId, guest: s.isGuest, cart: s.get('cart') ?? [] });
      });
      app.post('/cart/:item', (c) => {
        const s = c.get('session');
        s.set('cart', [...(s.get('cart') ?? []), c.req.param('item')]);
        return c.json({ cart: s.get('cart') });
      });
      app.post('/login/:user', async (c) => {
        const remember = c.req.query('remember') !== 'no';
        await c.get('session').authenticate(c.req.param('user'), { theme: 'light' }, { remember });
        return c.json({ ok: true });
      });
      app.post('/reauthenticate', async (c) => {
        await c.get('session').reauthenticate(); // after checking the password
        return c.json({ ok: true });
      });
      app.post('/sign-out-everywhere', requireFresh('10m'), async (c) => {
        await c.get('session').logoutAll();
        c.get('session').flash('notice', 'signed out everywhere');
        return c.json({ ok: true });
      });
      app.get('/notice', (c) => c.json({ notice: c.get('session').takeFlash<string>('notice') ?? null }));
      app.post('/fresh-in-route', (c) => {
        c.get('session').requireFresh('10m'); // the same check inside a route: its SessionError becomes a 403
        return c.json({ ok: true });
      });
      app.get('/me', requireSession(), (c) => c.json({ userId: c.get('session').userId }));
      app.get('/devices', requireSession(), async (c) =>
        c.json((await c.get('session').listMySessions()).map((s) => ({ remembered: s.remembered }))),
      );
      return app;
    }

    it('lets a fresh sign-in through requireFresh, answers 403 once it is stale, and again after reauthenticate()', async () => {
      const app = makeApp();
      const client = new AppClient(app);
      await client.post('/login/alice');
      const second = new AppClient(app);
      await second.post('/login/alice');
      clock.advance('9m');
      const fresh = await client.post('/sign-out-everywhere');
      expect(fresh.status).toBe(200);
      expect(await store.listForUser('alice')).toEqual([]);

      await client.post('/login/alice');
      clock.advance('10m');
      const stale = await client.post('/sign-out-everywhere');
      expect(stale.status).toBe(403);
      expect(stale.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await stale.json()).toEqual({
        error: { code: 'REAUTHENTICATION_REQUIRED', message: expect.stringContaining('reauthenticate()') },
      });
      expect(await store.listForUser('alice')).toHaveLength(1); // the handler did not run

      const before = client.jar.get('_session');
      const reauth = await client.post('/reauthenticate');
      expect(reauth.status).toBe(200);
      expect(client.jar.get('_session')).not.toBe(before); // a new token
      const again = await client.post('/sign-out-everywhere');
      expect(again.status).toBe(200);
      expect(await store.listForUser('alice')).toEqual([]);
    });

    it('answers 401 from requireFresh() and requireSession() to anonymous and guest requests', async () => {
      const app = makeApp();
      const anonymous = new AppClient(app);
      const guest = new AppClient(app);
      await guest.post('/cart/apple');
      expect(guest.jar.has('_session')).toBe(true);
      for (const client of [anonymous, guest]) {
        for (const res of [await client.post('/sign-out-everywhere'), await client.request('/me')]) {
          expect(res.status).toBe(401);
          expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
        }
      }
      expect(await (await guest.request('/cart')).json()).toEqual({
        userId: null,
        guest: true,
        cart: ['apple'],
      });
    });

    it('turns a SessionError thrown in a route (requireFresh in the handler) into 403', async () => {
      const app = makeApp();
      const client = new AppClient(app);
      await client.post('/login/alice');
      expect((await client.post('/fresh-in-route')).status).toBe(200);
      clock.advance('11m');
      const res = await client.post('/fresh-in-route');
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'REAUTHENTICATION_REQUIRED' } });
      expect((await new AppClient(app).post('/fresh-in-route')).status).toBe(401);
    });

    it('answers a stale sign-in with onStale and an anonymous one with onUnauthenticated when given', async () => {
      const app = new Hono<SessionEnv>();
      app.use(session({ store }));
      app.post('/login', async (c) => {
        await c.get('session').authenticate('alice');
        return c.text('ok');
      });
      const guard = requireFresh('1h', {
        onStale: (c) => c.redirect('/confirm-password', 303),
        onUnauthenticated: (c) => c.redirect('/login', 303),
      });
      app.post('/danger', guard, (c) => c.text('done'));
      const client = new AppClient(app);
      expect((await client.post('/danger')).headers.get('location')).toBe('/login');
      await client.post('/login');
      expect(await (await client.post('/danger')).text()).toBe('done');
      clock.advance('1h');
      const stale = await client.post('/danger');
      expect(stale.status).toBe(303);
      expect(stale.headers.get('location')).toBe('/confirm-password');
    });

    it('creates a guest session and its cookie when an anonymous request sets data, and nothing when it only reads', async () => {
      const app = makeApp();
      const client = new AppClient(app);
      const look = await client.request('/cart');
      expect(await look.json()).toEqual({ userId: null, guest: false, cart: [] });
      expect(look.headers.getSetCookie()).toEqual([]);
      expect(await rows()).toEqual([]);

      const add = await client.post('/cart/apple');
      const [cookie] = parseSetCookies(add.headers);
      expect(cookie).toMatchObject({ name: '_session', httpOnly: true, secure: true });
      expect(cookie?.maxAge).toBe(7 * 86_400); // guestTtl's default
      expect(add.headers.get('cache-control')).toBe('private, no-store');
      expect(await rows()).toEqual([{ id: expect.any(String), user_id: '' }]);
      await client.post('/cart/pear');
      expect(await (await client.request('/cart')).json()).toEqual({
        userId: null,
        guest: true,
        cart: ['apple', 'pear'],
      });
    });

    it('carries the guest cart into the signed-in session with a new token, and the guest token is dead', async () => {
      const app = makeApp();
      const client = new AppClient(app);
      await client.post('/cart/apple');
      const guestToken = client.jar.get('_session');
      await client.post('/login/alice');
      expect(client.jar.get('_session')).not.toBe(guestToken);
      expect(await (await client.request('/cart')).json()).toEqual({
        userId: 'alice',
        guest: false,
        cart: ['apple'],
      });
      expect((await rows()).map((r) => r.user_id)).toEqual(['alice']);

      const replay = new AppClient(app);
      replay.jar.set('_session', guestToken as string);
      expect(await (await replay.request('/cart')).json()).toEqual({ userId: null, guest: false, cart: [] });
    });

    it('sets a browser-session cookie (no Max-Age, no Expires) for remember: false, and lists it as not remembered', async () => {
      const app = makeApp();
      const browserOnly = new AppClient(app);
      const res = await browserOnly.post('/login/alice?remember=no');
      const [cookie] = parseSetCookies(res.headers);
      expect(cookie?.name).toBe('_session');
      expect(cookie?.maxAge).toBeUndefined();
      expect(cookie?.expires).toBeUndefined();
      expect(cookie?.raw).not.toHaveProperty('max-age');
      expect(cookie?.raw).not.toHaveProperty('expires');

      const remembered = new AppClient(app);
      const [persistent] = parseSetCookies((await remembered.post('/login/alice')).headers);
      expect(persistent?.maxAge).toBe(30 * 86_400);

      const listed = (await (await remembered.request('/devices')).json()) as { remembered: boolean }[];
      expect(listed.map((s) => s.remembered).sort()).toEqual([false, true]);

      // A touch of the browser-session sign-in re-sends the cookie still without Max-Age/Expires.
      clock.advance('6m');
      const [touched] = parseSetCookies((await browserOnly.request('/me')).headers);
      expect(touched?.name).toBe('_session');
      expect(touched?.raw).not.toHaveProperty('max-age');
      expect(touched?.raw).not.toHaveProperty('expires');
    });

    it('shows a flash set after logoutAll() on the next request only (a guest session carries it)', async () => {
      const app = makeApp();
      const client = new AppClient(app);
      await client.post('/login/alice');
      const out = await client.post('/sign-out-everywhere');
      expect(out.status).toBe(200);
      expect(await store.listForUser('alice')).toEqual([]);
      expect(client.jar.has('_session')).toBe(true); // the guest session that holds the notice
      expect(await (await client.request('/notice')).json()).toEqual({ notice: 'signed out everywhere' });
      expect(await (await client.request('/notice')).json()).toEqual({ notice: null });
    });

    it('tells a revoked browser why its cookie opened no session (rejection "not_found")', async () => {
      const app = new Hono<SessionEnv>();
      app.use(session({ store }));
      app.post('/login', async (c) => {
        await c.get('session').authenticate('alice');
        return c.text('ok');
      });
      app.get('/', (c) => c.json({ rejection: c.get('session').rejection }));
      const client = new AppClient(app);
      await client.post('/login');
      expect(await (await client.request('/')).json()).toEqual({ rejection: null });
      await store.destroyAllForUser('alice', 'logout_all');
      const res = await client.request('/');
      expect(await res.json()).toEqual({ rejection: 'not_found' });
      expect(parseSetCookies(res.headers)[0]?.maxAge).toBe(0);
    });
  },
  { only: ['sqlite-memory', 'pglite', 'postgres', 'mysql'] },
);

describe('requireFresh() wiring', () => {
  it('rejects a maxAge that is not a duration at once with INVALID_CONFIG', () => {
    expect(() => requireFresh('ten minutes' as '10m')).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining('maxAge') }),
    );
  });

  it('answers 500 NO_SESSION_CONTEXT without the session middleware', async () => {
    const app = new Hono();
    let seen: unknown;
    app.onError((error, c) => {
      seen = error;
      return c.text('error', 500);
    });
    app.post('/danger', requireFresh('10m'), (c) => c.text('unreachable'));
    const res = await app.request('/danger', { method: 'POST' });
    expect(res.status).toBe(500);
    expect(SessionError.is(seen, 'NO_SESSION_CONTEXT')).toBe(true);
    expect((seen as Error).message).toContain('requireFresh()');
  });

  it('answers 503, not 401 or 403, when an opted-out load failed', async () => {
    const sqlite = new Database(':memory:');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
    await migrateToLatest(db);
    const store = new SessionStore(db);
    const app = new Hono<SessionEnv>();
    app.use(session({ store, onLoadError: 'anonymous' }));
    app.post('/login', async (c) => {
      await c.get('session').authenticate('alice');
      return c.text('ok');
    });
    app.post('/danger', requireFresh('10m'), (c) => c.text('done'));
    const client = new AppClient(app);
    await client.post('/login');
    await db.schema.dropTable('sess_sessions').execute(); // every lookup now fails
    const res = await client.post('/danger');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'STORE_FAILURE' } });
    await db.destroy();
  });
});

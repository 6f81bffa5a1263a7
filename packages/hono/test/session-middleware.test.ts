import { migrateToLatest, SessionError, SessionStore } from '@sess/core';
import {
  countingDialect,
  FakeClock,
  Fault,
  failingDialect,
  parseSetCookies,
  QueryCounter,
} from '@sess/core/testing';
import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { AppClient, CHROME_MAC, FIREFOX_WINDOWS } from '@sess/test-kit';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { requireSession, type SessionEnv, type SessionMiddlewareOptions, session } from '../src/index.js';

type Data = { visits?: number; last?: string; [key: string]: unknown };

forEachDialect(
  (spec) => {
    const table = uniqueTableName('hono_mw');
    const counter = new QueryCounter();
    const fault = new Fault();
    const t = useTestDatabase(spec, {
      wrap: (d) => countingDialect(failingDialect(d, fault), counter),
      sessionTables: [table],
    });
    let db: Kysely<any>;
    let clock: FakeClock;
    let store: SessionStore;
    let routeRuns: number;

    beforeAll(async () => {
      db = t.db;
      await migrateToLatest(db, { tableName: table });
    });

    afterAll(() => {
      fault.heal(); // before the tables are dropped
    });

    beforeEach(() => {
      // Hono's default onError logs a route's error before the middleware answers it; keep the output readable.
      vi.spyOn(console, 'error').mockImplementation(() => {});
      fault.heal();
      counter.reset();
      routeRuns = 0;
      clock = new FakeClock();
      store = new SessionStore(db, { tableName: table, now: clock.now });
    });

    afterEach(() => {
      vi.restoreAllMocks();
    });

    /** The app under test: a few routes that use the session the way handlers do. */
    function makeApp(options: Partial<SessionMiddlewareOptions> = {}) {
      const app = new Hono<SessionEnv<Data>>();
      app.use(session<Data>({ store, ...options }));
      app.get('/whoami', (c) => {
        routeRuns += 1;
        const s = c.get('session');
        return c.json({ userId: s.userId, visits: s.get('visits') ?? null, last: s.get('last') ?? null });
      });
      app.get('/public', (c) => {
        routeRuns += 1;
        const s = c.get('session');
        return c.json({ authenticated: s.isAuthenticated, loadFailed: s.loadFailed });
      });
      app.post('/login/:user', async (c) => {
        const created = await c.get('session').authenticate(c.req.param('user'), { visits: 0 });
        return c.json({ id: created.id });
      });
      app.post('/visit', (c) => {
        const s = c.get('session');
        s.set('visits', (s.get('visits') ?? 0) + 1);
        s.set('last', '/visit');
        return c.json({ ok: true });
      });
      app.post('/set/:key', (c) => {
        c.get('session').set(c.req.param('key'), true);
        return c.json({ ok: true });
      });
      app.post('/visit-then-throw', (c) => {
        c.get('session').set('visits', 99);
        throw new Error('route failed after changing the session');
      });
      app.post('/visit-then-500', (c) => {
        c.get('session').set('visits', 99);
        return c.text('upstream failed', 500);
      });
      app.post('/visit-then-db-down', (c) => {
        c.get('session').set('visits', 99);
        fault.fail();
        return c.json({ ok: true });
      });
      app.post('/logout-other', async (c) => c.json({ destroyed: await c.get('session').logoutOther() }));
      app.post('/logout-while-db-returns', async (c) => {
        fault.heal(); // the database answers again while the route runs
        await c.get('session').logout();
        return c.json({ ok: true });
      });
      app.post('/revoke/:id', async (c) => {
        await c.get('session').revoke(c.req.param('id'));
        return c.json({ ok: true });
      });
      app.get('/sessions-db-down', async (c) => {
        fault.fail();
        return c.json(await c.get('session').listMySessions());
      });
      app.get('/me', requireSession(), (c) => c.json({ userId: c.get('session').userId }));
      app.get('/compressed', (c) => {
        c.header('Vary', 'Accept-Encoding');
        return c.text('hello');
      });
      app.post('/login-with-theme', async (c) => {
        await c.get('session').authenticate('alice');
        c.header('Set-Cookie', 'theme=dark; Path=/', { append: true });
        return c.json({ ok: true });
      });
      return app;
    }

    async function signedIn(
      app: Hono<any>,
      user = 'alice',
      options: ConstructorParameters<typeof AppClient>[1] = {},
    ) {
      const client = new AppClient(app, options);
      const res = await client.post(`/login/${user}`);
      expect(res.status).toBe(200);
      const { id } = (await res.json()) as { id: string };
      const token = client.jar.get('_session');
      expect(token).toMatch(/^[0-9a-f]{64}$/);
      counter.reset();
      return { client, id, token: token as string };
    }

    it('makes no query and sets no cookie for a request without a cookie', async () => {
      const client = new AppClient(makeApp());
      const res = await client.request('/whoami');
      expect(await res.json()).toEqual({ userId: null, visits: null, last: null });
      expect(counter.queries).toBe(0);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(res.headers.get('vary')).toBe('Cookie');
      expect(res.headers.get('cache-control')).toBeNull();
    });

    it('signs in with a Secure HttpOnly SameSite=Lax cookie and Cache-Control: private, no-store', async () => {
      const client = new AppClient(makeApp());
      const res = await client.post('/login/alice');
      const [cookie, ...others] = parseSetCookies(res.headers);
      expect(others).toEqual([]);
      expect(cookie).toMatchObject({
        name: '_session',
        path: '/',
        secure: true,
        httpOnly: true,
        sameSite: 'lax',
      });
      expect(cookie?.maxAge).toBe(30 * 86_400);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(res.headers.get('vary')).toBe('Cookie');
    });

    it('authenticates a valid cookie with exactly one query and no write', async () => {
      const app = makeApp();
      const { client } = await signedIn(app);
      const res = await client.request('/whoami');
      expect(await res.json()).toEqual({ userId: 'alice', visits: 0, last: null });
      expect(counter.queries).toBe(1);
      expect(counter.writes).toBe(0);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(res.headers.get('cache-control')).toBe('private, no-store'); // the page depends on the session
      expect(res.headers.get('vary')).toBe('Cookie');
    });

    it('clears an expired cookie with the same name, path and Secure it was set with', async () => {
      const app = makeApp();
      const client = new AppClient(app);
      const [set] = parseSetCookies((await client.post('/login/alice')).headers);
      clock.advance('30d');
      clock.advance(1);
      const res = await client.request('/whoami');
      expect(await res.json()).toMatchObject({ userId: null });
      const [cleared] = parseSetCookies(res.headers);
      expect(cleared).toMatchObject({
        name: set?.name,
        value: '',
        path: set?.path,
        secure: true,
        httpOnly: true,
      });
      expect(cleared?.maxAge).toBe(0);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(client.jar.has('_session')).toBe(false);
    });

    it('destroys the session and answers anonymously when the fingerprint changes', async () => {
      const app = makeApp();
      const { client, id, token } = await signedIn(app, 'alice', { userAgent: CHROME_MAC });
      const thief = new AppClient(app, { userAgent: FIREFOX_WINDOWS });
      thief.jar.set('_session', token);
      const res = await thief.request('/whoami');
      expect(await res.json()).toMatchObject({ userId: null });
      expect(parseSetCookies(res.headers)[0]?.maxAge).toBe(0);
      expect(await store.read(id)).toBeNull();
      // the row is gone: the rightful browser is signed out too
      expect(await (await client.request('/whoami')).json()).toMatchObject({ userId: null });
    });

    it('answers 401 JSON from requireSession() for an anonymous request', async () => {
      const app = makeApp();
      const res = await new AppClient(app).request('/me');
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({
        error: { code: 'UNAUTHENTICATED', message: expect.stringContaining('Sign in') },
      });
      const { client } = await signedIn(app);
      const ok = await client.request('/me');
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ userId: 'alice' });
    });

    it('fails closed with 503 when the database fails on load, keeps the cookie and never runs the route', async () => {
      const app = makeApp();
      const { client, token } = await signedIn(app);
      fault.fail();
      const res = await client.request('/whoami');
      const text = await res.text();
      expect(res.status).toBe(503);
      expect(JSON.parse(text)).toEqual({ error: { code: 'STORE_FAILURE', message: expect.any(String) } });
      expect(text).not.toContain(token);
      expect(routeRuns).toBe(0);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(res.headers.get('vary')).toBe('Cookie');
      fault.heal();
      expect(await (await client.request('/whoami')).json()).toMatchObject({ userId: 'alice' });
    });

    it('runs a route that opted out with onLoadError anonymously on a load failure, keeping the cookie', async () => {
      const app = makeApp({ onLoadError: (c) => (c.req.path === '/public' ? 'anonymous' : 'respond') });
      const { client } = await signedIn(app);
      fault.fail();
      const open = await client.request('/public');
      expect(open.status).toBe(200);
      expect(await open.json()).toEqual({ authenticated: false, loadFailed: true });
      expect(open.headers.getSetCookie()).toEqual([]);
      expect((await client.request('/whoami')).status).toBe(503);
      fault.heal();
      expect(await (await client.request('/whoami')).json()).toMatchObject({ userId: 'alice' });
    });

    it('answers 503, not 401, from requireSession() when an opted-out load failed', async () => {
      const app = makeApp({ onLoadError: 'anonymous' });
      const { client } = await signedIn(app);
      fault.fail();
      const res = await client.request('/me');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: 'STORE_FAILURE' } });
      expect(res.headers.getSetCookie()).toEqual([]);
    });

    it('answers 503 to a logout on a route that opted out of a failed load, keeping the cookie and the session', async () => {
      const app = makeApp({ onLoadError: 'anonymous' });
      const { client } = await signedIn(app);
      fault.fail();
      const res = await client.post('/logout-while-db-returns');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: 'STORE_FAILURE' } });
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await (await client.request('/whoami')).json()).toMatchObject({ userId: 'alice' });
    });

    it('flushes two data changes in one write after the route', async () => {
      const app = makeApp();
      const { client } = await signedIn(app);
      const res = await client.post('/visit');
      expect(res.status).toBe(200);
      expect(counter.writes).toBe(1);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await (await client.request('/whoami')).json()).toEqual({
        userId: 'alice',
        visits: 1,
        last: '/visit',
      });
    });

    it('writes nothing when the route throws after changing data', async () => {
      const app = makeApp();
      const { client } = await signedIn(app);
      const res = await client.post('/visit-then-throw');
      expect(res.status).toBe(500);
      expect(counter.writes).toBe(0);
      expect(await (await client.request('/whoami')).json()).toMatchObject({ visits: 0 });
    });

    it('writes nothing when the route answers 5xx after changing data', async () => {
      const app = makeApp();
      const { client } = await signedIn(app);
      clock.advance('1h'); // a touch is due too: a failed request must not take it
      const res = await client.post('/visit-then-500');
      expect(res.status).toBe(500);
      expect(counter.writes).toBe(0);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await (await client.request('/whoami')).json()).toMatchObject({ visits: 0 });
    });

    it('turns a SessionError thrown by a route into its status without app.onError', async () => {
      const app = makeApp();
      const anonymous = await new AppClient(app).post('/logout-other');
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });

      const { client, token } = await signedIn(app, 'alice');
      const { id: bobsSession } = await signedIn(app, 'bob');
      const notMine = await client.post(`/revoke/${bobsSession}`);
      const text = await notMine.text();
      expect(notMine.status).toBe(404);
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } });
      expect(text).not.toContain(token);
      expect(await store.read(bobsSession)).not.toBeNull();

      const down = await client.request('/sessions-db-down');
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ error: { code: 'STORE_FAILURE' } });
      expect(down.headers.getSetCookie()).toEqual([]);
    });

    it('answers 503 when the write after the route fails, so a lost change is not reported as saved', async () => {
      const app = makeApp();
      const { client } = await signedIn(app);
      const res = await client.post('/visit-then-db-down');
      expect(res.status).toBe(503);
      // The driver's words (here the injected "ECONNREFUSED") stay out of the response.
      expect(await res.json()).toEqual({
        error: { code: 'STORE_FAILURE', message: 'The session store is unavailable; try again shortly.' },
      });
      expect(res.headers.getSetCookie()).toEqual([]);
      fault.heal();
      expect(await (await client.request('/whoami')).json()).toMatchObject({ userId: 'alice', visits: 0 });
    });

    it('re-sends the cookie with a fresh Max-Age once a touch is due, and writes nothing before', async () => {
      const app = makeApp();
      const { client, token } = await signedIn(app);
      clock.advance('4m');
      expect((await client.request('/whoami')).headers.getSetCookie()).toEqual([]);
      expect(counter.writes).toBe(0);
      clock.advance('1m');
      const res = await client.request('/whoami');
      const [cookie] = parseSetCookies(res.headers);
      expect(cookie).toMatchObject({ name: '_session', value: token, maxAge: 30 * 86_400 });
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(counter.writes).toBe(1);
    });

    it("merges Vary: Cookie with the route's own Vary header", async () => {
      const res = await new AppClient(makeApp()).request('/compressed');
      expect(res.headers.get('vary')).toBe('Accept-Encoding, Cookie');
    });

    it("keeps the route's own Set-Cookie next to the session cookie", async () => {
      const client = new AppClient(makeApp());
      const res = await client.post('/login-with-theme');
      expect(
        parseSetCookies(res.headers)
          .map((c) => c.name)
          .sort(),
      ).toEqual(['_session', 'theme']);
    });

    it('records the socket address from @hono/node-server conninfo and ignores X-Forwarded-For by default', async () => {
      const app = makeApp();
      const { id } = await signedIn(app, 'alice', {
        ip: '203.0.113.7',
        headers: { 'x-forwarded-for': '198.51.100.1' },
      });
      expect((await store.read(id))?.ipAddress).toBe('203.0.113.7');
    });

    it('believes X-Forwarded-For only from a trusted proxy socket', async () => {
      store = new SessionStore(db, { tableName: table, now: clock.now, trustedProxies: ['10.0.0.0/8'] });
      const app = makeApp();
      const viaProxy = await signedIn(app, 'alice', {
        ip: '10.1.2.3',
        headers: { 'x-forwarded-for': '198.51.100.1' },
      });
      expect((await store.read(viaProxy.id))?.ipAddress).toBe('198.51.100.1');
      const direct = await signedIn(app, 'alice', {
        ip: '203.0.113.7',
        headers: { 'x-forwarded-for': '198.51.100.1' },
      });
      expect((await store.read(direct.id))?.ipAddress).toBe('203.0.113.7');
    });

    it('uses an injected getConnInfo for runtimes other than Node', async () => {
      const app = makeApp({ getConnInfo: () => ({ remote: { address: '192.0.2.9', addressType: 'IPv4' } }) });
      const { id } = await signedIn(app);
      expect((await store.read(id))?.ipAddress).toBe('192.0.2.9');
    });

    it('keeps every change of 20 concurrent requests that set different keys on one session', async () => {
      const app = makeApp();
      const { client, id } = await signedIn(app);
      const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
      const results = await Promise.all(keys.map((k) => client.post(`/set/${k}`)));
      expect(results.map((r) => r.status)).toEqual(keys.map(() => 200));
      const row = await store.read(id);
      for (const k of keys) expect(row?.data[k]).toBe(true);
    });
  },
  { only: ['sqlite-memory', 'postgres', 'mysql'] },
);

describe('session() and requireSession() wiring', () => {
  const table = uniqueTableName('hono_wiring');
  let db: Kysely<any>;
  let store: SessionStore;

  beforeAll(async () => {
    db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    await migrateToLatest(db, { tableName: table });
    store = new SessionStore(db, { tableName: table });
  });

  afterAll(async () => {
    await db.destroy();
  });

  it('answers SessionErrors through a custom errorResponse, and redirects with onUnauthenticated', async () => {
    const app = new Hono<SessionEnv>();
    app.use(
      session({ store, errorResponse: (error, c) => c.html(`<h1>${error.code}</h1>`, error.status as 404) }),
    );
    app.get('/account', requireSession({ onUnauthenticated: (c) => c.redirect('/login') }), (c) =>
      c.text('ok'),
    );
    app.get('/api/me', requireSession(), (c) => c.text('ok'));
    app.post('/revoke', async (c) => {
      await c.get('session').revoke('01ARZ3NDEKTSV4RRFFQ69G5FAV');
      return c.text('ok');
    });
    const client = new AppClient(app);
    const redirect = await client.request('/account');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/login');
    const api = await client.request('/api/me');
    expect(api.status).toBe(401);
    expect(await api.text()).toBe('<h1>UNAUTHENTICATED</h1>');
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const revoke = await client.post('/revoke');
    vi.restoreAllMocks();
    expect(revoke.status).toBe(401);
    expect(revoke.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('rejects a missing store at construction with INVALID_CONFIG', () => {
    expect(() => session({} as SessionMiddlewareOptions)).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining('store') }),
    );
  });

  it('answers 500 NO_SESSION_CONTEXT from requireSession() without the session middleware', async () => {
    const app = new Hono();
    let seen: unknown;
    app.onError((error, c) => {
      seen = error;
      return c.text('error', 500);
    });
    app.get('/me', requireSession(), (c) => c.text('unreachable'));
    const res = await app.request('/me');
    expect(res.status).toBe(500);
    expect(SessionError.is(seen, 'NO_SESSION_CONTEXT')).toBe(true);
  });
});

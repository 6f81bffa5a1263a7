import { SessionError, SessionStore } from '@sess/core';
import { parseSetCookies } from '@sess/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSessionHandlers } from '../src/index.js';
import {
  expectNewSessionCookie,
  Jar,
  NEXT_FINGERPRINT,
  noParams,
  openStore,
  type TestStore,
} from './support.js';

// Route handlers are driven with Next's own NextRequest and web Responses, no server and no mocks.
const TABLE = 'sess_next_route';

type Data = { visits: number; theme: string };

let t: TestStore;
beforeEach(async () => {
  t = await openStore(TABLE);
});
afterEach(() => t.close());

function handlers() {
  return createSessionHandlers<Data>({ store: t.store });
}

/** POST /login as `userId` through a wrapped handler; the jar keeps the cookie. */
async function signIn(jar: Jar, userId = 'alice'): Promise<Response> {
  const { withSession } = handlers();
  const login = withSession(async (_request, { session }) => {
    await session.authenticate(userId, { visits: 0, theme: 'light' });
    return Response.json({ ok: true });
  });
  const response = await login(jar.request('/login', { method: 'POST' }), noParams);
  jar.receive(response);
  return response;
}

describe('withSession (route handlers)', () => {
  it('puts the new session cookie with its attributes, no-store and Vary: Cookie on the handler response', async () => {
    const jar = new Jar();
    const response = await signIn(jar);
    expect(response.status).toBe(200);
    const [cookie, ...rest] = parseSetCookies(response.headers);
    expect(rest).toHaveLength(0);
    expectNewSessionCookie(cookie);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(response.headers.get('vary')).toBe('Cookie');
    expect(await response.json()).toEqual({ ok: true });
  });

  it('turns a SessionError thrown in the handler into a JSON response with its status', async () => {
    const { withSession } = handlers();
    const route = withSession(async (_request, { session }) => {
      await session.logoutOther();
      return Response.json({ ok: true });
    });
    const response = await route(new Jar().request('/api/others', { method: 'POST' }), noParams);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: { code: 'UNAUTHENTICATED', message: expect.stringContaining('sign in') },
    });
  });

  it('answers 404 JSON for revoking a session the user does not have', async () => {
    const jar = new Jar();
    await signIn(jar);
    const { withSession } = handlers();
    const route = withSession(async (_request, { session }) => {
      await session.revoke('01HZZZZZZZZZZZZZZZZZZZZZZZ');
      return new Response(null, { status: 204 });
    });
    const response = await route(jar.request('/api/sessions/x', { method: 'DELETE' }), noParams);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('SESSION_NOT_FOUND');
  });

  it('flushes a changed value in one write after the handler, so the next request sees it', async () => {
    const jar = new Jar();
    await signIn(jar);
    const { withSession } = handlers();
    const count = withSession(async (_request, { session }) => {
      const visits = (session.get('visits') ?? 0) + 1;
      session.set('visits', visits);
      return Response.json({ visits });
    });
    t.counter.reset();
    const first = await count(jar.request('/api/count'), noParams);
    expect(await first.json()).toEqual({ visits: 1 });
    expect(t.counter.writes).toBe(1);
    const second = await count(jar.request('/api/count'), noParams);
    expect(await second.json()).toEqual({ visits: 2 });
  });

  it('makes exactly one query and no write, and sets no cookie, for a request that changes nothing', async () => {
    const jar = new Jar();
    await signIn(jar);
    const { withSession } = handlers();
    const me = withSession(async (_request, { session }) => Response.json({ userId: session.userId }));
    t.counter.reset();
    const response = await me(jar.request('/api/me'), noParams);
    expect(await response.json()).toEqual({ userId: 'alice' });
    expect(t.counter.queries).toBe(1);
    expect(t.counter.writes).toBe(0);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('vary')).toBe('Cookie');
    expect(response.headers.get('cache-control')).toBe('private, no-store'); // the answer depends on the session
  });

  it('keeps the session when the Accept-Encoding changes, as in the render Next.js runs after an action redirect', async () => {
    const jar = new Jar();
    await signIn(jar);
    const { withSession } = handlers();
    const me = withSession(async (_request, { session }) => Response.json({ userId: session.userId }));
    t.counter.reset();
    const response = await me(
      jar.request('/devices', { headers: { 'accept-encoding': 'gzip, deflate' } }),
      noParams,
    );
    expect(await response.json()).toEqual({ userId: 'alice' });
    expect(t.counter.writes).toBe(0);
    expect(await t.store.listForUser('alice')).toHaveLength(1);
  });

  it('signs out a cookie presented by another browser (fingerprint on User-Agent and Accept-Language)', async () => {
    const jar = new Jar();
    await signIn(jar);
    const { withSession } = handlers();
    const me = withSession(async (_request, { session }) => Response.json({ userId: session.userId }));
    const response = await me(jar.request('/api/me', { headers: { 'accept-language': 'fr-FR' } }), noParams);
    expect(await response.json()).toEqual({ userId: null });
    expect(await t.store.listForUser('alice')).toHaveLength(0);
  });

  it('makes no query for a request without a session cookie', async () => {
    const { withSession } = handlers();
    const me = withSession(async (_request, { session }) =>
      Response.json({ signedIn: session.isAuthenticated }),
    );
    const response = await me(new Jar().request('/api/me'), noParams);
    expect(await response.json()).toEqual({ signedIn: false });
    expect(t.counter.queries).toBe(0);
  });

  it('writes no data and no touch when the handler answers 500', async () => {
    const jar = new Jar();
    await signIn(jar);
    t.clock.advance('10m'); // a touch is due too
    const { withSession } = handlers();
    const broken = withSession(async (_request, { session }) => {
      session.set('theme', 'dark');
      return new Response('boom', { status: 500 });
    });
    t.counter.reset();
    const response = await broken(jar.request('/api/theme', { method: 'POST' }), noParams);
    expect(response.status).toBe(500);
    expect(t.counter.writes).toBe(0);
    expect(response.headers.getSetCookie()).toEqual([]);
    const [session] = await t.store.listForUser<Data>('alice');
    expect(session?.data.theme).toBe('light');
  });

  it('writes nothing and rethrows when the handler throws a plain error', async () => {
    const jar = new Jar();
    await signIn(jar);
    const { withSession } = handlers();
    const crash = withSession(async (_request, { session }) => {
      session.set('theme', 'dark');
      throw new TypeError('handler bug');
    });
    t.counter.reset();
    await expect(crash(jar.request('/api/theme', { method: 'POST' }), noParams)).rejects.toThrow(
      'handler bug',
    );
    expect(t.counter.writes).toBe(0);
  });

  it('answers 503 JSON and keeps the cookie when the database fails on load (fail closed)', async () => {
    const jar = new Jar();
    await signIn(jar);
    const { withSession } = handlers();
    let ran = false;
    const me = withSession(async () => {
      ran = true;
      return Response.json({});
    });
    t.fault.fail();
    const response = await me(jar.request('/api/me'), noParams);
    expect(ran).toBe(false);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('STORE_FAILURE');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('runs the handler signed out with loadFailed set when the route opts into anonymous on store failure', async () => {
    const jar = new Jar();
    await signIn(jar);
    const { withSession } = handlers();
    const page = withSession(
      async (_request, { session }) =>
        Response.json({ signedIn: session.isAuthenticated, degraded: session.loadFailed }),
      { onLoadError: 'anonymous' },
    );
    t.fault.fail();
    const response = await page(jar.request('/api/public'), noParams);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ signedIn: false, degraded: true });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('answers 503 JSON instead of the handler response when the write after the handler fails', async () => {
    const jar = new Jar();
    await signIn(jar);
    const { withSession } = handlers();
    const count = withSession(async (_request, { session }) => {
      session.set('visits', 5);
      t.fault.fail(); // the database goes away between the handler and the flush
      return Response.json({ visits: 5 });
    });
    const response = await count(jar.request('/api/count'), noParams);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('STORE_FAILURE');
  });

  it('re-sends the same cookie with a fresh Max-Age when a touch is due', async () => {
    const jar = new Jar();
    await signIn(jar);
    const token = jar.cookies.get('_session');
    t.clock.advance('1d');
    const { withSession } = handlers();
    const me = withSession(async (_request, { session }) => Response.json({ userId: session.userId }));
    t.counter.reset();
    const response = await me(jar.request('/api/me'), noParams);
    const [cookie] = parseSetCookies(response.headers);
    expect(cookie?.value).toBe(token);
    expect(cookie?.maxAge).toBe(30 * 24 * 3600);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(t.counter.writes).toBe(1);
  });

  it('clears a cookie whose session was revoked elsewhere', async () => {
    const jar = new Jar();
    await signIn(jar);
    await t.store.destroyAllForUser('alice');
    const { withSession } = handlers();
    const me = withSession(async (_request, { session }) =>
      Response.json({ signedIn: session.isAuthenticated }, { status: session.isAuthenticated ? 200 : 401 }),
    );
    const response = await me(jar.request('/api/me'), noParams);
    expect(response.status).toBe(401);
    const [cookie] = jar.receive(response);
    expect(cookie).toMatchObject({ name: '_session', value: '', maxAge: 0, path: '/', secure: true });
    expect(jar.cookies.has('_session')).toBe(false);
  });

  it('puts the cookie on a redirect whose headers are immutable (Response.redirect)', async () => {
    const { withSession } = handlers();
    const callback = withSession(async (request, { session }) => {
      await session.authenticate('bob');
      return Response.redirect(new URL('/devices', request.url), 303);
    });
    const response = await callback(new Jar().request('/auth/callback'), noParams);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('http://localhost:3000/devices');
    expect(parseSetCookies(response.headers)[0]?.value).toMatch(/^[0-9a-f]{64}$/);
  });

  it("merges Vary: Cookie into the handler's own Vary header", async () => {
    const { withSession } = handlers();
    const route = withSession(async () => new Response('ok', { headers: { Vary: 'Accept-Encoding' } }));
    const response = await route(new Jar().request('/x'), noParams);
    expect(response.headers.get('vary')).toBe('Accept-Encoding, Cookie');
  });

  it('passes the route params through to the handler next to the session', async () => {
    const { withSession } = handlers();
    const route = withSession<{ params: Promise<{ id: string }> }>(async (_request, { params, session }) =>
      Response.json({ id: (await params).id, signedIn: session.isAuthenticated }),
    );
    const response = await route(new Jar().request('/api/sessions/abc'), {
      params: Promise.resolve({ id: 'abc' }),
    });
    expect(await response.json()).toEqual({ id: 'abc', signedIn: false });
  });

  it('answers 503 JSON while the store factory fails, and retries it on the next request', async () => {
    let attempts = 0;
    const { withSession } = createSessionHandlers({
      store: () => {
        attempts++;
        if (attempts === 1) throw new Error('connect ECONNREFUSED');
        return t.store;
      },
    });
    const me = withSession(async (_request, { session }) =>
      Response.json({ signedIn: session.isAuthenticated }),
    );
    const first = await me(new Jar().request('/api/me'), noParams);
    expect(first.status).toBe(503);
    // The driver's words (ECONNREFUSED) stay out of the response; the error body is the one of every sess package.
    expect(await first.json()).toEqual({
      error: { code: 'STORE_FAILURE', message: 'The session store is unavailable; try again shortly.' },
    });
    const second = await me(new Jar().request('/api/me'), noParams);
    expect(second.status).toBe(200);
    expect(attempts).toBe(2);
  });

  it('reports a store factory that throws a plain error as STORE_FAILURE', async () => {
    const { getStore } = createSessionHandlers({
      store: async () => {
        throw new Error('migration failed');
      },
    });
    await expect(getStore()).rejects.toSatisfy((e) => SessionError.is(e, 'STORE_FAILURE'));
  });
});

describe('store configuration', () => {
  it('rejects a store that fingerprints Accept-Encoding, which Next.js rewrites on internal renders', () => {
    const fingerprintHeaders = ['user-agent', 'accept-encoding'];
    const store = new SessionStore(t.db, { tableName: TABLE, fingerprintHeaders });
    expect(() => createSessionHandlers({ store })).toThrow(/fingerprintHeaders.*accept-encoding/);
    const lenient = new SessionStore(t.db, {
      tableName: TABLE,
      fingerprintHeaders,
      validateFingerprint: false,
    });
    expect(() => createSessionHandlers({ store: lenient })).not.toThrow();
    // The default fingerprint (browser and OS family) needs no configuration in Next.js.
    expect(() =>
      createSessionHandlers({ store: new SessionStore(t.db, { tableName: TABLE }) }),
    ).not.toThrow();
  });

  it('rejects such a store made by a factory on first use', async () => {
    const { getStore } = createSessionHandlers({
      store: () =>
        new SessionStore(t.db, { tableName: TABLE, fingerprintHeaders: ['user-agent', 'accept-encoding'] }),
    });
    await expect(getStore()).rejects.toSatisfy((e) => SessionError.is(e, 'INVALID_CONFIG'));
  });
});

describe('client IP in route handlers (Next.js gives no socket address)', () => {
  async function ipOf(
    config: { trustedProxies?: string[] },
    headers: Record<string, string>,
  ): Promise<string> {
    const store = new SessionStore(t.db, {
      tableName: TABLE,
      now: t.clock.now,
      fingerprintHeaders: NEXT_FINGERPRINT,
      ...config,
    });
    const { withSession } = createSessionHandlers({ store });
    const login = withSession(async (_request, { session }) => {
      const created = await session.authenticate('carol');
      return Response.json({ ip: created.ipAddress });
    });
    const response = await login(new Jar().request('/login', { method: 'POST', headers }), noParams);
    return ((await response.json()) as { ip: string }).ip;
  }

  it('records "unknown" without trustedProxies, whatever X-Forwarded-For a client sends', async () => {
    expect(await ipOf({}, { 'x-forwarded-for': '203.0.113.9' })).toBe('unknown');
  });

  it('takes the client from X-Forwarded-For, right to left past the trusted proxies', async () => {
    const ip = await ipOf(
      { trustedProxies: ['10.0.0.0/8'] },
      { 'x-forwarded-for': '198.51.100.66, 203.0.113.9, 10.0.0.7' },
    );
    expect(ip).toBe('203.0.113.9');
  });

  it('falls back to X-Real-IP behind a trusted proxy that sends no X-Forwarded-For', async () => {
    expect(await ipOf({ trustedProxies: ['10.0.0.0/8'] }, { 'x-real-ip': '203.0.113.10' })).toBe(
      '203.0.113.10',
    );
  });

  it('records "unknown" behind a trusted proxy when the request names no hop at all', async () => {
    expect(await ipOf({ trustedProxies: ['10.0.0.0/8'] }, {})).toBe('unknown');
  });
});

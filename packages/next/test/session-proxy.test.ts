import { parseSetCookies } from '@sess/core/testing';
import { type NextRequest, NextResponse } from 'next/server.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSessionHandlers } from '../src/index.js';
import { Jar, noParams, openStore, type TestStore } from './support.js';

// The proxy helper is driven with Next's own NextRequest and NextResponse, as proxy.ts gets and returns them.
const TABLE = 'sess_next_proxy';

let t: TestStore;
beforeEach(async () => {
  t = await openStore(TABLE);
});
afterEach(() => t.close());

async function signedIn(): Promise<{ jar: Jar; token: string }> {
  const { withSession } = createSessionHandlers({ store: t.store });
  const jar = new Jar();
  const login = withSession(async (_request, { session }) => {
    await session.authenticate('alice');
    return new Response(null, { status: 204 });
  });
  jar.receive(await login(jar.request('/login', { method: 'POST' }), noParams));
  const token = jar.cookies.get('_session');
  if (!token) throw new Error('no cookie after sign-in');
  t.counter.reset();
  return { jar, token };
}

describe('sessionProxy (proxy.ts)', () => {
  it('touches a due session and re-sends its cookie with a fresh Max-Age on NextResponse.next()', async () => {
    const { jar, token } = await signedIn();
    t.clock.advance('1h');
    const { sessionProxy } = createSessionHandlers({ store: t.store });
    const response = await sessionProxy(jar.request('/devices'));
    expect(response.headers.get('x-middleware-next')).toBe('1');
    const [cookie] = parseSetCookies(response.headers);
    expect(cookie).toMatchObject({
      name: '_session',
      value: token,
      maxAge: 30 * 24 * 3600,
      httpOnly: true,
      secure: true,
    });
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(t.counter.writes).toBe(1);
    const [session] = await t.store.listForUser('alice');
    expect(session?.lastActiveAt).toEqual(t.clock.now());
  });

  it('sends its cookie as one plain Set-Cookie line, not through x-middleware-set-cookie', async () => {
    // What goes into x-middleware-set-cookie Next.js copies into the page's cookie store and sends again from
    // there: a clearing cookie went out twice (once without Max-Age) on the page's response.
    const { jar } = await signedIn();
    await t.store.destroyAllForUser('alice');
    const { sessionProxy } = createSessionHandlers({ store: t.store });
    const response = await sessionProxy(jar.request('/devices'));
    expect(response.headers.getSetCookie()).toEqual([
      expect.stringMatching(
        /^_session=; Path=\/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax$/,
      ),
    ]);
    expect(response.headers.get('x-middleware-set-cookie')).toBeNull();
  });

  it('makes one query and sets no cookie when no touch is due', async () => {
    const { jar } = await signedIn();
    t.clock.advance('1m');
    const { sessionProxy } = createSessionHandlers({ store: t.store });
    const response = await sessionProxy(jar.request('/devices'));
    expect(t.counter.queries).toBe(1);
    expect(t.counter.writes).toBe(0);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('makes no query for a request without the session cookie', async () => {
    const { sessionProxy } = createSessionHandlers({ store: t.store });
    const response = await sessionProxy(new Jar().request('/'));
    expect(t.counter.queries).toBe(0);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('passes a POST (a server action) through without a query, leaving the refresh to the action', async () => {
    const { jar } = await signedIn();
    t.clock.advance('1h');
    const { sessionProxy } = createSessionHandlers({ store: t.store });
    const response = await sessionProxy(
      jar.request('/devices', { method: 'POST', headers: { 'next-action': 'abc' } }),
    );
    expect(t.counter.queries).toBe(0);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('clears a cookie whose session is gone, so the page sees no cookie', async () => {
    const { jar } = await signedIn();
    await t.store.destroyAllForUser('alice');
    const { sessionProxy } = createSessionHandlers({ store: t.store });
    const response = await sessionProxy(jar.request('/devices'));
    expect(parseSetCookies(response.headers)[0]).toMatchObject({ name: '_session', value: '', maxAge: 0 });
  });

  it('passes the request through untouched when the database fails', async () => {
    const { jar } = await signedIn();
    t.clock.advance('1h');
    t.fault.fail();
    const { sessionProxy } = createSessionHandlers({ store: t.store });
    const response = await sessionProxy(jar.request('/devices'));
    expect(response.headers.get('x-middleware-next')).toBe('1');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('sets the cookie on a response the app made itself (a rewrite)', async () => {
    const { jar, token } = await signedIn();
    t.clock.advance('1h');
    const { sessionProxy } = createSessionHandlers({ store: t.store });
    const request = jar.request('/old-devices');
    const rewrite = NextResponse.rewrite(new URL('/devices', request.url));
    const response = await sessionProxy(request, rewrite);
    expect(response).toBe(rewrite);
    expect(response.headers.get('x-middleware-rewrite')).toBe('http://localhost:3000/devices');
    expect(parseSetCookies(response.headers)[0]?.value).toBe(token);
  });
});

describe('sessionProxy with a guard', () => {
  const toLogin = (request: NextRequest) => NextResponse.redirect(new URL('/login', request.url));

  it('answers with the redirect the guard returns for a signed-out visitor, without a query', async () => {
    const { sessionProxy } = createSessionHandlers({ store: t.store });
    const request = new Jar().request('/devices');
    const response = await sessionProxy(request, (session) =>
      session.isAuthenticated ? undefined : toLogin(request),
    );
    expect(response.status).toBe(307);
    expect(response.headers.get('location')).toBe('http://localhost:3000/login');
    expect(t.counter.queries).toBe(0);
  });

  it('lets a signed-in user through, refreshing the cookie when a touch is due', async () => {
    const { jar, token } = await signedIn();
    t.clock.advance('1h');
    const { sessionProxy } = createSessionHandlers({ store: t.store });
    let seen: string | null = null;
    const request = jar.request('/devices');
    const response = await sessionProxy(request, (session) => {
      seen = session.userId;
      return session.isAuthenticated ? undefined : toLogin(request);
    });
    expect(seen).toBe('alice');
    expect(response.headers.get('x-middleware-next')).toBe('1');
    expect(parseSetCookies(response.headers)).toEqual([
      expect.objectContaining({ name: '_session', value: token }),
    ]);
  });

  it('clears a dead cookie on the redirect it answers with, in one Set-Cookie line', async () => {
    const { jar } = await signedIn();
    await t.store.destroyAllForUser('alice');
    const { sessionProxy } = createSessionHandlers({ store: t.store });
    const request = jar.request('/devices');
    const response = await sessionProxy(request, (session) =>
      session.isAuthenticated ? undefined : toLogin(request),
    );
    expect(response.status).toBe(307);
    expect(parseSetCookies(response.headers)).toEqual([
      expect.objectContaining({ name: '_session', value: '', maxAge: 0 }),
    ]);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
  });

  it('does not ask the guard about a POST (server actions check the session themselves)', async () => {
    const { sessionProxy } = createSessionHandlers({ store: t.store });
    let asked = false;
    const response = await sessionProxy(new Jar().request('/devices', { method: 'POST' }), () => {
      asked = true;
      return undefined;
    });
    expect(asked).toBe(false);
    expect(response.headers.get('x-middleware-next')).toBe('1');
  });

  it('passes the request through without asking the guard when the database fails', async () => {
    const { jar } = await signedIn();
    t.fault.fail();
    const { sessionProxy } = createSessionHandlers({ store: t.store });
    let asked = false;
    const response = await sessionProxy(jar.request('/devices'), () => {
      asked = true;
      return undefined;
    });
    expect(asked).toBe(false);
    expect(response.headers.get('x-middleware-next')).toBe('1');
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});

import { redirect } from 'next/navigation.js';
import { NextRequest } from 'next/server.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSessionHandlers } from '../src/index.js';
import { enterScope, RequestScope } from './fake-request-scope.js';
import { BROWSER_HEADERS, Jar, noParams, openStore, signedInJar, type TestStore } from './support.js';

// Every path that ends a request (route handler, route handler ending with redirect(), server action, proxy, the
// proxy in front of a route handler) sends at most one Set-Cookie per cookie name. Server actions and redirects set
// cookies through next/headers (mocked with Next's own cookie classes: fake-request-scope.ts).
vi.mock('next/headers.js', () => import('./fake-request-scope.js'));

const TABLE = 'sess_next_set_cookie_once';
const STALE = 'e'.repeat(64);

let t: TestStore;
beforeEach(async () => {
  t = await openStore(TABLE);
});
afterEach(() => t.close());

/** Fails unless each cookie name appears at most once among the `Set-Cookie` lines; returns the lines. */
function expectOncePerName(lines: string[], path: string): string[] {
  const names = lines.map((line) => line.slice(0, line.indexOf('=')));
  expect(names, `${path}: ${lines.join(' | ')}`).toEqual([...new Set(names)]);
  return lines;
}

const signedIn = () => signedInJar(t.store);

describe('one Set-Cookie per cookie name per response', () => {
  it('route handlers: sign-in over a stale cookie, sign-out, sign-out everywhere, revoke, rotate, touch, a dead cookie', async () => {
    const { withSession } = createSessionHandlers({ store: t.store });
    const routes = {
      signIn: withSession(async (_request, { session }) => {
        await session.authenticate('alice');
        return new Response(null, { status: 204 });
      }),
      signOut: withSession(async (_request, { session }) => {
        await session.logout();
        return new Response(null, { status: 204 });
      }),
      everywhere: withSession(async (_request, { session }) => {
        await session.logoutAll();
        return new Response(null, { status: 204 });
      }),
      revokeSelf: withSession(async (_request, { session }) => {
        await session.revoke(session.current()?.id ?? '');
        return new Response(null, { status: 204 });
      }),
      rotate: withSession(async (_request, { session }) => {
        await session.rotate();
        return new Response(null, { status: 204 });
      }),
      me: withSession(async (_request, { session }) => Response.json({ user: session.userId })),
    };
    const stale = new Jar();
    stale.cookies.set('_session', STALE);
    const lines = async (route: keyof typeof routes, jar: Jar) => {
      const response = await routes[route](jar.request(`/${route}`, { method: 'POST' }), noParams);
      return expectOncePerName(response.headers.getSetCookie(), route);
    };
    expect(await lines('signIn', stale)).toHaveLength(1);
    for (const route of ['signOut', 'everywhere', 'revokeSelf', 'rotate'] as const) {
      expect(await lines(route, await signedIn())).toHaveLength(1);
    }
    const idle = await signedIn();
    t.clock.advance('1h');
    await lines('rotate', idle); // a new token and a due touch: still one cookie
    expect(await lines('me', stale)).toHaveLength(1); // the dead cookie is cleared once
  });

  it('route handler that ends with redirect(): the cookie goes through cookies() only, once', async () => {
    const jar = new Jar();
    jar.cookies.set('_session', STALE);
    const scope = enterScope(new RequestScope('action', BROWSER_HEADERS, jar.cookies));
    const { withSession } = createSessionHandlers({ store: t.store });
    const callback = withSession(async (_request, { session }) => {
      await session.authenticate('alice');
      redirect('/devices');
    });
    await expect(callback(jar.request('/auth/callback'), noParams)).rejects.toHaveProperty('digest');
    expect(expectOncePerName(scope.responseHeaders.getSetCookie(), 'redirect')).toHaveLength(1);
  });

  it('server actions: sign-in over a stale cookie, then sign-out', async () => {
    const jar = new Jar();
    jar.cookies.set('_session', STALE);
    const { withSessionAction } = createSessionHandlers({ store: t.store });
    const signIn = withSessionAction(async (session) => {
      await session.authenticate('alice');
    });
    const signOut = withSessionAction(async (session) => {
      await session.logout();
    });
    let scope = enterScope(new RequestScope('action', BROWSER_HEADERS, jar.cookies));
    await signIn();
    expect(expectOncePerName(scope.responseHeaders.getSetCookie(), 'signIn')).toHaveLength(1);
    jar.receiveCookies(scope.setCookies());
    scope = enterScope(new RequestScope('action', BROWSER_HEADERS, jar.cookies));
    await signOut();
    expect(expectOncePerName(scope.responseHeaders.getSetCookie(), 'signOut')).toHaveLength(1);
  });

  it('the proxy: a dead cookie, a due touch', async () => {
    const { sessionProxy } = createSessionHandlers({ store: t.store });
    const stale = new Jar();
    stale.cookies.set('_session', STALE);
    const cleared = await sessionProxy(stale.request('/'));
    expect(expectOncePerName(cleared.headers.getSetCookie(), 'proxy clear')).toHaveLength(1);
    const jar = await signedIn();
    t.clock.advance('1h');
    const touched = await sessionProxy(jar.request('/'));
    expect(expectOncePerName(touched.headers.getSetCookie(), 'proxy touch')).toHaveLength(1);
  });

  describe('a route handler behind the proxy (a matcher that does not leave route handlers out)', () => {
    /** The request Next.js hands the route handler after `proxy.ts`: the proxy's Set-Cookie lines come along. */
    async function throughProxy(
      jar: Jar,
      path: string,
      method = 'GET',
    ): Promise<{ sent: string[]; request: NextRequest }> {
      const { sessionProxy } = createSessionHandlers({ store: t.store });
      const sent = (await sessionProxy(jar.request(path, { method }))).headers.getSetCookie();
      const request = jar.request(path, { method });
      const headers = new Headers(request.headers);
      for (const line of sent) headers.append('set-cookie', line);
      return { sent, request: new NextRequest(request.url, { method, headers }) };
    }

    it('reads a cookie the proxy cleared as gone: no second clearing cookie and no query', async () => {
      const jar = new Jar();
      jar.cookies.set('_session', STALE);
      const { sent, request } = await throughProxy(jar, '/api/me');
      expect(sent).toHaveLength(1);
      const { withSession } = createSessionHandlers({ store: t.store });
      t.counter.reset();
      const me = withSession(async (_request, { session }) => Response.json({ user: session.userId }));
      const response = await me(request, noParams);
      expect(await response.json()).toEqual({ user: null });
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(t.counter.queries).toBe(0);
    });

    it('sends no second copy of a clearing cookie the proxy already sent (a sign-out)', async () => {
      const jar = new Jar();
      jar.cookies.set('_session', STALE);
      const { sent, request } = await throughProxy(jar, '/api/sign-out');
      const { withSession } = createSessionHandlers({ store: t.store });
      const signOut = withSession(async (_request, { session }) => {
        await session.logout();
        return new Response(null, { status: 204 });
      });
      const response = await signOut(request, noParams);
      expectOncePerName([...sent, ...response.headers.getSetCookie()], 'proxy + sign-out');
    });

    it('does not touch again after the proxy touched', async () => {
      const jar = await signedIn();
      t.clock.advance('1h');
      const { sent, request } = await throughProxy(jar, '/api/me');
      expect(sent).toHaveLength(1);
      const { withSession } = createSessionHandlers({ store: t.store });
      t.counter.reset();
      const me = withSession(async (_request, { session }) => Response.json({ user: session.userId }));
      const response = await me(request, noParams);
      expect(await response.json()).toEqual({ user: 'alice' });
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(t.counter.writes).toBe(0);
    });
  });
});

describe('route handlers under prerendering', () => {
  it('read the request before the store factory runs (a prerender of a GET handler stops at that read)', async () => {
    let factoryRuns = 0;
    const { withSession } = createSessionHandlers({
      store: () => {
        factoryRuns++;
        return t.store;
      },
    });
    const me = withSession(async (_request, { session }) => Response.json({ user: session.userId }));
    // While prerendering, Next.js makes reading the request stop the prerender; here the read throws instead.
    const prerendering = new Proxy(new Jar().request('/api/me'), {
      get(target, property, receiver) {
        if (property === 'headers') throw new Error('prerender stopped at request.headers');
        return Reflect.get(target, property, receiver);
      },
    });
    await expect(me(prerendering, noParams)).rejects.toThrow('prerender stopped');
    expect(factoryRuns).toBe(0);
  });
});

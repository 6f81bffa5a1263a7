import { parseSetCookies } from '@sess/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSessionHandlers } from '../src/index.js';
import { enterScope, RequestScope } from './fake-request-scope.js';
import { BROWSER_HEADERS, Jar, noParams, openStore, type TestStore } from './support.js';

// Guest sessions (`guests: true` in the store's options) and "remember me" (`authenticate(..., { remember })`)
// through each Next.js context: route handlers with NextRequest, server actions and server components through the
// mocked cookies()/headers()/connection() (fake-request-scope.ts), the proxy with NextRequest.
vi.mock('next/headers.js', () => import('./fake-request-scope.js'));
vi.mock('next/server.js', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  connection: (await import('./fake-request-scope.js')).connection,
}));

const TABLE = 'sess_next_guests';

type Data = { cart: string[]; visits: number };

let t: TestStore;
afterEach(() => t.close());

function action(jar: Jar): RequestScope {
  return enterScope(new RequestScope('action', BROWSER_HEADERS, jar.cookies));
}

/** The raw `Set-Cookie` line of the session cookie on a server action's response. */
function sessionLine(headers: Headers): string {
  const line = headers.getSetCookie().find((l) => l.startsWith('_session='));
  if (!line) throw new Error('no session cookie set');
  return line;
}

describe('guest sessions (guests: true)', () => {
  it('creates the guest session and its cookie when an anonymous route handler calls set()', async () => {
    t = await openStore(TABLE, { guests: true });
    const { withSession } = createSessionHandlers<Data>({ store: t.store });
    const add = withSession(async (_request, { session }) => {
      session.set('cart', [...(session.get('cart') ?? []), 'book']);
      return Response.json({ guest: session.isGuest, signedIn: session.isAuthenticated });
    });
    const jar = new Jar();
    const response = await add(jar.request('/api/cart', { method: 'POST' }), noParams);
    expect(await response.json()).toEqual({ guest: false, signedIn: false }); // created after the handler
    const [cookie] = parseSetCookies(response.headers);
    expect(cookie).toMatchObject({ name: '_session', maxAge: 7 * 24 * 3600 }); // guestTtl's default
    expect(cookie?.value).toMatch(/^[0-9a-f]{64}$/);
    jar.receive(response);

    const again = await add(jar.request('/api/cart', { method: 'POST' }), noParams);
    expect(await again.json()).toEqual({ guest: true, signedIn: false });
    const rows = await t.db.selectFrom(TABLE).select(['user_id', 'data']).execute();
    expect(rows).toEqual([{ user_id: '', data: JSON.stringify({ cart: ['book', 'book'] }) }]);
  });

  it('creates the guest cookie through cookies() when an anonymous server action calls set()', async () => {
    t = await openStore(TABLE, { guests: true });
    const { withSessionAction } = createSessionHandlers<Data>({ store: t.store });
    const addToCart = withSessionAction(async (session, item: string) => {
      session.set('cart', [...(session.get('cart') ?? []), item]);
    });
    const jar = new Jar();
    const scope = action(jar);
    await addToCart('pen');
    const [cookie] = scope.setCookies();
    expect(cookie?.value).toMatch(/^[0-9a-f]{64}$/);
    jar.receiveCookies(scope.setCookies());

    // The server component of the next page sees the guest and its data (read-only).
    enterScope(new RequestScope('render', BROWSER_HEADERS, jar.cookies));
    const session = await createSessionHandlers<Data>({ store: t.store }).getSession();
    expect([session.isGuest, session.isAuthenticated, session.userId, session.get('cart')]).toEqual([
      true,
      false,
      null,
      ['pen'],
    ]);
  });

  it('writes nothing and sets no cookie for anonymous requests that set nothing', async () => {
    t = await openStore(TABLE, { guests: true });
    const { withSession, withSessionAction } = createSessionHandlers<Data>({ store: t.store });
    const look = withSession(async (_request, { session }) =>
      Response.json({ cart: session.get('cart') ?? [] }),
    );
    const response = await look(new Jar().request('/api/cart'), noParams);
    expect(response.headers.getSetCookie()).toEqual([]);
    const scope = action(new Jar());
    await withSessionAction(async () => undefined)();
    expect(scope.setCookies()).toEqual([]);
    expect({ queries: t.counter.queries, rows: await t.db.selectFrom(TABLE).selectAll().execute() }).toEqual({
      queries: 0,
      rows: [],
    });
  });

  it('signs the guest in with a new token and keeps the cart (server action)', async () => {
    t = await openStore(TABLE, { guests: true });
    const { withSessionAction } = createSessionHandlers<Data>({ store: t.store });
    const jar = new Jar();
    let scope = action(jar);
    await withSessionAction(async (session) => session.set('cart', ['pen']))();
    jar.receiveCookies(scope.setCookies());
    const guestToken = jar.cookies.get('_session');

    scope = action(jar);
    await withSessionAction(async (session) => {
      await session.authenticate(
        'alice',
        { cart: [], visits: 0 },
        { merge: (guest, data) => ({ ...data, ...guest }) as Data },
      );
    })();
    jar.receiveCookies(scope.setCookies());
    expect(jar.cookies.get('_session')).not.toBe(guestToken);
    const [session] = await t.store.listForUser<Data>('alice');
    expect(session?.data).toEqual({ cart: ['pen'], visits: 0 });
    expect(await t.db.selectFrom(TABLE).select('id').execute()).toHaveLength(1); // the guest row is gone
  });

  it('without guests, set() on an anonymous route handler still answers 401', async () => {
    t = await openStore(TABLE);
    const { withSession } = createSessionHandlers<Data>({ store: t.store });
    const add = withSession(async (_request, { session }) => {
      session.set('cart', ['book']);
      return Response.json({ ok: true });
    });
    const response = await add(new Jar().request('/api/cart', { method: 'POST' }), noParams);
    expect(response.status).toBe(401);
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});

describe('remember me', () => {
  it('sets a browser-session cookie (no Max-Age, no Expires) through cookies() for remember: false', async () => {
    t = await openStore(TABLE);
    const { withSessionAction } = createSessionHandlers<Data>({ store: t.store });
    const signIn = withSessionAction(async (session, remember: boolean) => {
      await session.authenticate('alice', undefined, { remember });
    });
    const forgetful = action(new Jar());
    await signIn(false);
    const line = sessionLine(forgetful.responseHeaders);
    expect(line).toMatch(/^_session=[0-9a-f]{64}; /);
    expect(line).not.toMatch(/max-age|expires/i);
    expect(line).toMatch(/HttpOnly/i);

    const remembered = action(new Jar());
    await signIn(true);
    expect(sessionLine(remembered.responseHeaders)).toMatch(/Max-Age=2592000/);
  });

  it('sets a browser-session cookie on a route handler response, and the proxy refresh keeps it one', async () => {
    t = await openStore(TABLE);
    const { withSession, sessionProxy } = createSessionHandlers<Data>({ store: t.store });
    const signIn = withSession(async (_request, { session }) => {
      await session.authenticate('alice', undefined, { remember: false });
      return new Response(null, { status: 204 });
    });
    const jar = new Jar();
    const response = await signIn(jar.request('/api/login', { method: 'POST' }), noParams);
    const [line] = response.headers.getSetCookie();
    expect(line).toMatch(/^_session=[0-9a-f]{64}; /);
    expect(line).not.toMatch(/max-age|expires/i);
    jar.receive(response);
    const [session] = await t.store.listForUser('alice');
    expect(session?.remembered).toBe(false);

    t.clock.advance('1h'); // a touch is due: the proxy re-sends the cookie, still without a lifetime
    const refreshed = await sessionProxy(jar.request('/'));
    const [again] = refreshed.headers.getSetCookie();
    expect(again).toMatch(/^_session=[0-9a-f]{64}; /);
    expect(again).not.toMatch(/max-age|expires/i);
  });
});

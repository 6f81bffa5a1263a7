import { SessionError } from '@sess/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSessionHandlers } from '../src/index.js';
import { enterScope, RequestScope } from './fake-request-scope.js';
import { BROWSER_HEADERS, Jar, noParams, openStore, signedInJar, type TestStore } from './support.js';

// A flash is set by a server action (or a route handler) and shown by the server component of the next page, which
// cannot write: takeFlash() reads it while rendering and removes it in after(), once the response is sent.
// cookies(), headers(), connection() and after() are mocked with a request scope (fake-request-scope.ts);
// scope.finish() runs the after() callbacks the way Next.js does after the response.
vi.mock('next/headers.js', () => import('./fake-request-scope.js'));
vi.mock('next/server.js', async (importOriginal) => {
  const scope = await import('./fake-request-scope.js');
  return { ...(await importOriginal<object>()), connection: scope.connection, after: scope.after };
});
// React's cache() memoises per request only inside a React server render; the mock does it per request scope.
vi.mock('react', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  cache: (await import('./fake-request-scope.js')).cache,
}));

const TABLE = 'sess_next_flash';

type Data = { visits: number };

let t: TestStore;
beforeEach(async () => {
  t = await openStore(TABLE);
});
afterEach(() => t.close());

function scope(kind: 'action' | 'render', jar: Jar): RequestScope {
  return enterScope(new RequestScope(kind, BROWSER_HEADERS, jar.cookies));
}

/** Runs a server action as `jar`'s browser; the jar keeps the cookies it sets. */
async function act<R>(jar: Jar, action: () => Promise<R>): Promise<R> {
  const s = scope('action', jar);
  const result = await action();
  jar.receiveCookies(s.setCookies());
  return result;
}

const signedIn = () => signedInJar(t.store, { visits: 0 });

function flashAction(key: string, value: unknown) {
  const { withSessionAction } = createSessionHandlers<Data>({ store: t.store });
  return withSessionAction(async (session) => session.flash(key, value));
}

describe('flash messages in Next.js', () => {
  it('shows a flash set by a server action on the next page exactly once, removed in one write after the response', async () => {
    const jar = await signedIn();
    await act(jar, flashAction('notice', 'Saved.'));

    t.counter.reset();
    const page = scope('render', jar);
    const { takeFlash } = createSessionHandlers<Data>({ store: t.store });
    expect(await takeFlash<string>('notice')).toBe('Saved.');
    expect(await takeFlash<string>('notice')).toBe('Saved.'); // the same render: the same value
    // While rendering: one read, no write, no cookie.
    expect({ queries: t.counter.queries, writes: t.counter.writes }).toEqual({ queries: 1, writes: 0 });
    await page.finish();
    expect(t.counter.writes).toBe(1);
    expect(page.setAttempts).toEqual([]);

    const next = scope('render', jar);
    const again = createSessionHandlers<Data>({ store: t.store });
    expect(await again.takeFlash('notice')).toBeUndefined();
    expect(next.afterCallbacks).toEqual([]);
  });

  it('costs nothing when there is no flash: one read, no after(), no write', async () => {
    const jar = await signedIn();
    t.counter.reset();
    const page = scope('render', jar);
    const { takeFlash } = createSessionHandlers<Data>({ store: t.store });
    expect(await takeFlash('notice')).toBeUndefined();
    expect(page.afterCallbacks).toEqual([]);
    expect({ queries: t.counter.queries, writes: t.counter.writes }).toEqual({ queries: 1, writes: 0 });
  });

  it('removes every key taken by one render in one write, and leaves the keys it did not take', async () => {
    const jar = await signedIn();
    const { withSessionAction } = createSessionHandlers<Data>({ store: t.store });
    await act(
      jar,
      withSessionAction(async (session) => {
        session.flash('notice', 'Saved.');
        session.flash('warning', 'Check your email.');
        session.flash('later', 'for another page');
      }),
    );
    t.counter.reset();
    const page = scope('render', jar);
    const { takeFlash } = createSessionHandlers<Data>({ store: t.store });
    expect([await takeFlash('notice'), await takeFlash('warning')]).toEqual(['Saved.', 'Check your email.']);
    expect(page.afterCallbacks).toHaveLength(1);
    await page.finish();
    expect(t.counter.writes).toBe(1);

    scope('render', jar);
    const next = await createSessionHandlers<Data>({ store: t.store }).getSession();
    expect([next.peekFlash('notice'), next.peekFlash('warning'), next.peekFlash('later')]).toEqual([
      undefined,
      undefined,
      'for another page',
    ]);
  });

  it('writes no touch in after(), even when one is due: its cookie could not reach the browser', async () => {
    const jar = await signedIn();
    await act(jar, flashAction('notice', 'Saved.'));
    const [before] = await t.store.listForUser('alice');
    t.clock.advance('1h'); // no proxy.ts made the touch before this render
    const page = scope('render', jar);
    expect(await createSessionHandlers<Data>({ store: t.store }).takeFlash('notice')).toBe('Saved.');
    await page.finish();
    const [after] = await t.store.listForUser('alice');
    expect(after?.data).toEqual({ visits: 0 });
    expect([after?.lastActiveAt, after?.expiresAt]).toEqual([before?.lastActiveAt, before?.expiresAt]);
  });

  it('keeps a flash set by another request between the render and its after()', async () => {
    const jar = await signedIn();
    await act(jar, flashAction('notice', 'first'));
    const page = scope('render', jar);
    const { takeFlash } = createSessionHandlers<Data>({ store: t.store });
    expect(await takeFlash('notice')).toBe('first');
    await act(jar, flashAction('notice-2', 'second')); // another tab, while the page streams
    await page.finish();

    scope('render', jar);
    const next = createSessionHandlers<Data>({ store: t.store });
    expect([await next.takeFlash('notice'), await next.takeFlash('notice-2')]).toEqual([undefined, 'second']);
  });

  it('leaves the flash for the next page when the database fails after the response (shown again, not lost)', async () => {
    const jar = await signedIn();
    await act(jar, flashAction('notice', 'Saved.'));
    const page = scope('render', jar);
    const { takeFlash } = createSessionHandlers<Data>({ store: t.store });
    expect(await takeFlash('notice')).toBe('Saved.');
    t.fault.fail();
    await expect(page.finish()).rejects.toSatisfy((e) => SessionError.is(e, 'STORE_FAILURE'));
    t.fault.heal();
    scope('render', jar);
    expect(await createSessionHandlers<Data>({ store: t.store }).takeFlash('notice')).toBe('Saved.');
  });

  it('lets server components peek but not take through the read-only getSession() (READ_ONLY)', async () => {
    const jar = await signedIn();
    await act(jar, flashAction('notice', 'Saved.'));
    scope('render', jar);
    const session = await createSessionHandlers<Data>({ store: t.store }).getSession();
    expect(session.peekFlash('notice')).toBe('Saved.');
    expect(() => session.takeFlash('notice')).toThrow(expect.objectContaining({ code: 'READ_ONLY' }));
  });

  it('takes a flash in a route handler or server action with session.takeFlash(), written after it', async () => {
    const jar = await signedIn();
    await act(jar, flashAction('notice', 'Saved.'));
    const { withSession } = createSessionHandlers<Data>({ store: t.store });
    const read = withSession(async (_request, { session }) =>
      Response.json({ notice: session.takeFlash('notice') ?? null }),
    );
    t.counter.reset();
    expect(await (await read(jar.request('/api/notice'), noParams)).json()).toEqual({ notice: 'Saved.' });
    expect(t.counter.writes).toBe(1);
    expect(await (await read(jar.request('/api/notice'), noParams)).json()).toEqual({ notice: null });
  });

  it('flashes on a guest session when guests are on: an anonymous action creates it, the next page shows it', async () => {
    await t.close();
    t = await openStore(TABLE, { guests: true });
    const jar = new Jar();
    await act(jar, flashAction('notice', 'Welcome!'));
    expect(jar.cookies.get('_session')).toMatch(/^[0-9a-f]{64}$/);
    const page = scope('render', jar);
    const handlers = createSessionHandlers<Data>({ store: t.store });
    expect((await handlers.getSession()).isGuest).toBe(true);
    expect(await handlers.takeFlash('notice')).toBe('Welcome!');
    await page.finish();
    scope('render', jar);
    expect(await createSessionHandlers<Data>({ store: t.store }).takeFlash('notice')).toBeUndefined();
  });
});

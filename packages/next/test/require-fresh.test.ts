import { SessionError } from '@sess/core';
import { parseSetCookies } from '@sess/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSessionHandlers } from '../src/index.js';
import { enterScope, RequestScope } from './fake-request-scope.js';
import { BROWSER_HEADERS, Jar, noParams, openStore, signedInJar, type TestStore } from './support.js';

// `requireFresh` on withSession / withSessionAction: Hono's requireFresh('10m') the Next.js way. Route handlers
// are driven with NextRequest; server actions through the mocked cookies()/headers() (fake-request-scope.ts).
vi.mock('next/headers.js', () => import('./fake-request-scope.js'));

const TABLE = 'sess_next_fresh';

let t: TestStore;
beforeEach(async () => {
  t = await openStore(TABLE);
});
afterEach(() => t.close());

const signedIn = () => signedInJar(t.store);

/** The route handler of a sensitive action, and how often it ran. */
function sensitiveRoute() {
  const { withSession } = createSessionHandlers({ store: t.store });
  const runs = { count: 0 };
  const route = withSession(
    async () => {
      runs.count++;
      return Response.json({ ok: true });
    },
    { requireFresh: '10m' },
  );
  return { route, runs };
}

/** The app's "confirm your password" handler: after the password check, session.reauthenticate(). */
const reauthenticate = () =>
  createSessionHandlers({ store: t.store }).withSession(async (_request, { session }) => {
    await session.reauthenticate();
    return new Response(null, { status: 204 });
  });

describe('requireFresh (sensitive route handlers and server actions)', () => {
  it('runs the route handler within 10 minutes of the sign-in, answers 403 REAUTHENTICATION_REQUIRED after, and runs again after reauthenticate()', async () => {
    const jar = await signedIn();
    const { route, runs } = sensitiveRoute();
    expect((await route(jar.request('/api/everywhere', { method: 'POST' }), noParams)).status).toBe(200);

    t.clock.advance('11m');
    const stale = await route(jar.request('/api/everywhere', { method: 'POST' }), noParams);
    expect(stale.status).toBe(403);
    expect(await stale.json()).toEqual({
      error: { code: 'REAUTHENTICATION_REQUIRED', message: expect.stringContaining('reauthenticate()') },
    });
    expect(runs.count).toBe(1); // (the request still counts as activity: a due touch is written)

    const confirmed = await reauthenticate()(jar.request('/api/confirm', { method: 'POST' }), noParams);
    const [cookie] = parseSetCookies(confirmed.headers);
    expect(cookie?.value).toMatch(/^[0-9a-f]{64}$/); // a new token
    jar.receive(confirmed);
    expect((await route(jar.request('/api/everywhere', { method: 'POST' }), noParams)).status).toBe(200);
    expect(runs.count).toBe(2);
  });

  it('answers 401 UNAUTHENTICATED to a signed-out request, without running the handler', async () => {
    const { route, runs } = sensitiveRoute();
    const response = await route(new Jar().request('/api/everywhere', { method: 'POST' }), noParams);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    expect(runs.count).toBe(0);
  });

  it('throws REAUTHENTICATION_REQUIRED from a server action with a stale sign-in, without running it or writing', async () => {
    const jar = await signedIn();
    const { withSessionAction } = createSessionHandlers({ store: t.store });
    let runs = 0;
    const signOutEverywhere = withSessionAction(
      async (session) => {
        runs++;
        await session.logoutAll();
      },
      { requireFresh: '10m' },
    );
    t.clock.advance('1h');
    t.counter.reset();
    const scope = enterScope(new RequestScope('action', BROWSER_HEADERS, jar.cookies));
    await expect(signOutEverywhere()).rejects.toSatisfy((e) =>
      SessionError.is(e, 'REAUTHENTICATION_REQUIRED'),
    );
    expect(runs).toBe(0);
    expect(t.counter.writes).toBe(0);
    expect(scope.setCookies()).toEqual([]);
    expect(await t.store.listForUser('alice')).toHaveLength(1);
  });

  it('rejects a malformed duration when the handler is wrapped, not on the first request', () => {
    const { withSession, withSessionAction } = createSessionHandlers({ store: t.store });
    const handler = async () => new Response(null);
    expect(() => withSession(handler, { requireFresh: 'ten minutes' as '10m' })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
    expect(() => withSessionAction(async () => undefined, { requireFresh: 'soon' as '10m' })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });
});

import { SessionError } from '@sess/core';
import { redirect } from 'next/navigation.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSessionHandlers } from '../src/index.js';
import { enterScope, RequestScope } from './fake-request-scope.js';
import { BROWSER_HEADERS, Jar, noParams, openStore, type TestStore } from './support.js';

// A route handler or action that ends with Next's real redirect() leaves no Response to put the cookie on: the
// adapter sets it through cookies() from next/headers, which only works inside a running Next server, so that
// module is mocked with a request scope built from Next's own cookie classes (fake-request-scope.ts).
vi.mock('next/headers.js', () => import('./fake-request-scope.js'));

const TABLE = 'sess_next_redirect';

let t: TestStore;
beforeEach(async () => {
  t = await openStore(TABLE);
});
afterEach(() => t.close());

const isRedirect = (e: unknown) =>
  String((e as { digest?: unknown }).digest ?? '').startsWith('NEXT_REDIRECT');

/**
 * Signs alice in (data `{ visits: 0 }`) through one server action, then enters the scope of the next action of the
 * same browser, carrying the new cookie.
 */
async function signedInByAction() {
  const jar = new Jar();
  const handlers = createSessionHandlers<{ visits: number }>({ store: t.store });
  const scope = enterScope(new RequestScope('action', BROWSER_HEADERS, jar.cookies));
  await handlers.withSessionAction(async (session) => {
    await session.authenticate('alice', { visits: 0 });
  })();
  jar.receiveCookies(scope.setCookies());
  enterScope(new RequestScope('action', BROWSER_HEADERS, jar.cookies));
  return handlers;
}

describe('handlers that end with redirect()', () => {
  it('route handler: commits and sets the new cookie through cookies(), then lets the redirect through', async () => {
    const jar = new Jar();
    const scope = enterScope(new RequestScope('action', BROWSER_HEADERS, jar.cookies));
    const { withSession } = createSessionHandlers({ store: t.store });
    const callback = withSession(async (_request, { session }) => {
      await session.authenticate('alice');
      redirect('/devices');
    });
    await expect(callback(jar.request('/auth/callback'), noParams)).rejects.toSatisfy(isRedirect);
    expect(scope.setCookies()[0]?.value).toMatch(/^[0-9a-f]{64}$/);
    expect(await t.store.listForUser('alice')).toHaveLength(1);
  });

  it('route handler: answers 503 JSON instead of redirecting when the write before the redirect fails', async () => {
    const jar = new Jar();
    const { withSession } = createSessionHandlers<{ step: number }>({ store: t.store });
    const login = withSession(async (_request, { session }) => {
      await session.authenticate('alice', { step: 1 });
      return new Response(null, { status: 204 });
    });
    jar.receive(await login(jar.request('/login', { method: 'POST' }), noParams));
    enterScope(new RequestScope('action', BROWSER_HEADERS, jar.cookies));
    const next = withSession(async (_request, { session }) => {
      session.set('step', 2);
      t.fault.fail();
      redirect('/step-2');
    });
    const response = await next(jar.request('/wizard', { method: 'POST' }), noParams);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('STORE_FAILURE');
  });

  it('server action: flushes a value set before redirect(), as redirect() is a normal end', async () => {
    const { withSessionAction } = await signedInByAction();
    const countVisit = withSessionAction(async (session) => {
      session.set('visits', 1);
      redirect('/');
    });
    await expect(countVisit()).rejects.toSatisfy(isRedirect);
    const [row] = await t.store.listForUser<{ visits: number }>('alice');
    expect(row?.data.visits).toBe(1);
  });

  it('server action: throws STORE_FAILURE instead of redirecting when the write before redirect() fails', async () => {
    const { withSessionAction } = await signedInByAction();
    const countVisit = withSessionAction(async (session) => {
      session.set('visits', 1);
      t.fault.fail();
      redirect('/');
    });
    await expect(countVisit()).rejects.toSatisfy((e) => SessionError.is(e, 'STORE_FAILURE'));
  });
});

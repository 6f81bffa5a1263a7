import { SessionError } from '@sess/core';
import { redirect } from 'next/navigation.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSessionHandlers } from '../src/index.js';
import { enterScope, RequestScope } from './fake-request-scope.js';
import { BROWSER_HEADERS, expectNewSessionCookie, Jar, openStore, type TestStore } from './support.js';

// Server actions read and set cookies through cookies() from next/headers, which only works inside a running Next
// server: that module is mocked with a request scope built from Next's own cookie classes (fake-request-scope.ts).
// redirect() is Next's real one.
vi.mock('next/headers.js', () => import('./fake-request-scope.js'));

const TABLE = 'sess_next_action';

type Data = { visits: number };

let t: TestStore;
beforeEach(async () => {
  t = await openStore(TABLE);
});
afterEach(() => t.close());

function post(jar: Jar): RequestScope {
  return enterScope(new RequestScope('action', BROWSER_HEADERS, jar.cookies));
}

function actions() {
  const { withSessionAction } = createSessionHandlers<Data>({ store: t.store });
  return {
    signIn: withSessionAction(async (session, form: FormData) => {
      await session.authenticate(String(form.get('user')), { visits: 0 });
      return { ok: true };
    }),
    signInAndRedirect: withSessionAction(async (session, userId: string) => {
      await session.authenticate(userId, { visits: 0 });
      redirect('/devices');
    }),
    visit: withSessionAction(async (session) => {
      const visits = (session.get('visits') ?? 0) + 1;
      session.set('visits', visits);
      return visits;
    }),
    signOut: withSessionAction(async (session) => {
      await session.logout();
    }),
    signOutOthers: withSessionAction(async (session) => session.logoutOther()),
  };
}

async function signedIn(): Promise<Jar> {
  const jar = new Jar();
  const scope = post(jar);
  const form = new FormData();
  form.set('user', 'alice');
  await actions().signIn(form);
  jar.receiveCookies(scope.setCookies());
  t.counter.reset();
  return jar;
}

describe('withSessionAction (server actions)', () => {
  it('sets the new session cookie through cookies() with its attributes and returns the action result', async () => {
    const jar = new Jar();
    const scope = post(jar);
    const form = new FormData();
    form.set('user', 'alice');
    expect(await actions().signIn(form)).toEqual({ ok: true });
    const [cookie] = scope.setCookies();
    expectNewSessionCookie(cookie);
  });

  it('commits and sets the cookie when the action ends with redirect()', async () => {
    const jar = new Jar();
    const scope = post(jar);
    await expect(actions().signInAndRedirect('bob')).rejects.toSatisfy(
      (e) =>
        typeof (e as { digest?: unknown }).digest === 'string' &&
        String((e as { digest: string }).digest).includes('/devices'),
    );
    expect(scope.setCookies()[0]?.value).toMatch(/^[0-9a-f]{64}$/);
    expect(await t.store.listForUser('bob')).toHaveLength(1);
  });

  it('flushes the changed value once after the action', async () => {
    const jar = await signedIn();
    post(jar);
    expect(await actions().visit()).toBe(1);
    expect(t.counter.writes).toBe(1);
    post(jar);
    expect(await actions().visit()).toBe(2);
  });

  it('clears the cookie through cookies() on sign-out', async () => {
    const jar = await signedIn();
    const scope = post(jar);
    await actions().signOut();
    expect(scope.setCookies()[0]).toMatchObject({ name: '_session', value: '', maxAge: 0 });
    expect(await t.store.listForUser('alice')).toEqual([]);
  });

  it('writes no data and rethrows when the action throws', async () => {
    const jar = await signedIn();
    const scope = post(jar);
    const { withSessionAction } = createSessionHandlers<Data>({ store: t.store });
    const broken = withSessionAction(async (session) => {
      session.set('visits', 99);
      throw new Error('action bug');
    });
    await expect(broken()).rejects.toThrow('action bug');
    expect(t.counter.writes).toBe(0);
    expect(scope.setCookies()).toEqual([]);
  });

  it('rethrows a SessionError from the action, so the app can show sign-in', async () => {
    const scope = post(new Jar());
    await expect(actions().signOutOthers()).rejects.toSatisfy((e) => SessionError.is(e, 'UNAUTHENTICATED'));
    expect(scope.setCookies()).toEqual([]);
  });

  it('throws STORE_FAILURE before running the action when the database fails, and keeps the cookie', async () => {
    const jar = await signedIn();
    const scope = post(jar);
    t.fault.fail();
    const { withSessionAction } = createSessionHandlers<Data>({ store: t.store });
    let ran = false;
    const act = withSessionAction(async () => {
      ran = true;
    });
    await expect(act()).rejects.toSatisfy((e) => SessionError.is(e, 'STORE_FAILURE'));
    expect(ran).toBe(false);
    expect(scope.setCookies()).toEqual([]);
  });

  it('runs signed out with loadFailed set when the action opts into anonymous on store failure', async () => {
    const jar = await signedIn();
    post(jar);
    t.fault.fail();
    const { withSessionAction } = createSessionHandlers<Data>({ store: t.store });
    const act = withSessionAction(async (session) => [session.isAuthenticated, session.loadFailed], {
      onLoadError: 'anonymous',
    });
    expect(await act()).toEqual([false, true]);
  });
});

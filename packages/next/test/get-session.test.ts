import { SessionError, SessionStore } from '@sess/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSessionHandlers } from '../src/index.js';
import { enterScope, RequestScope } from './fake-request-scope.js';
import { BROWSER_HEADERS, Jar, NEXT_FINGERPRINT, noParams, openStore, type TestStore } from './support.js';

// Server components read cookies() and headers() from next/headers and await connection() from next/server, which
// only work inside a running Next server: they are mocked with a request scope built from Next's own cookie classes
// (see fake-request-scope.ts); the rest of next/server is Next's own.
vi.mock('next/headers.js', () => import('./fake-request-scope.js'));
vi.mock('next/server.js', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  connection: (await import('./fake-request-scope.js')).connection,
}));

const TABLE = 'sess_next_rsc';

let t: TestStore;
beforeEach(async () => {
  t = await openStore(TABLE);
});
afterEach(() => t.close());

async function signIn(userId = 'alice'): Promise<Jar> {
  const { withSession } = createSessionHandlers({ store: t.store });
  const jar = new Jar();
  const login = withSession(async (_request, { session }) => {
    await session.authenticate(userId, { visits: 3 });
    return new Response(null, { status: 204 });
  });
  jar.receive(await login(jar.request('/login', { method: 'POST' }), noParams));
  t.counter.reset();
  return jar;
}

function render(jar: Jar, headers: Record<string, string> = BROWSER_HEADERS): RequestScope {
  return enterScope(new RequestScope('render', headers, jar.cookies));
}

describe('getSession (server components)', () => {
  it('makes exactly one read and no write, and sets no cookie, even when a touch is due', async () => {
    const jar = await signIn();
    t.clock.advance('2d');
    const scope = render(jar);
    const { getSession } = createSessionHandlers<{ visits: number }>({ store: t.store });
    const session = await getSession();
    expect(session.readOnly).toBe(true);
    expect(session.userId).toBe('alice');
    expect(session.get('visits')).toBe(3);
    expect(t.counter.queries).toBe(1);
    expect(t.counter.writes).toBe(0);
    expect(scope.setAttempts).toEqual([]);
    const [row] = await t.store.listForUser('alice');
    expect(row?.lastActiveAt.getTime()).toBe(t.clock.now().getTime() - 2 * 24 * 3600 * 1000);
  });

  it('does not try to clear a cookie that names no live session (it cannot while rendering)', async () => {
    const jar = await signIn();
    await t.store.destroyAllForUser('alice');
    t.counter.reset();
    const scope = render(jar);
    const { getSession } = createSessionHandlers({ store: t.store });
    const session = await getSession();
    expect(session.isAuthenticated).toBe(false);
    expect(t.counter.writes).toBe(0);
    expect(scope.setAttempts).toEqual([]);
  });

  it('makes no write for a cookie presented with another fingerprint (the row is left for a writable context)', async () => {
    const jar = await signIn();
    render(jar, { ...BROWSER_HEADERS, 'user-agent': 'curl/8.0' });
    const { getSession } = createSessionHandlers({ store: t.store });
    const session = await getSession();
    expect(session.isAuthenticated).toBe(false);
    expect(t.counter.writes).toBe(0);
  });

  it('makes no query when the request has no session cookie', async () => {
    render(new Jar());
    const { getSession } = createSessionHandlers({ store: t.store });
    expect((await getSession()).isAuthenticated).toBe(false);
    expect(t.counter.queries).toBe(0);
  });

  it('lists the signed-in user devices without writing', async () => {
    const jar = await signIn();
    await t.store.create(
      {
        ipAddress: 'unknown',
        userAgent: 'x',
        deviceName: 'Firefox on Linux',
        deviceType: 'desktop',
        fingerprint: 'f',
      },
      'alice',
    );
    t.counter.reset();
    render(jar);
    const { getSession } = createSessionHandlers({ store: t.store });
    const list = await (await getSession()).listMySessions();
    expect(list.map((s) => s.current).sort()).toEqual([false, true]);
    expect(t.counter.writes).toBe(0);
  });

  it('refuses writes with READ_ONLY instead of failing on cookies()', async () => {
    const jar = await signIn();
    const scope = render(jar);
    const { getSession } = createSessionHandlers({ store: t.store });
    const session = await getSession();
    expect(() => session.set('visits', 4)).toThrow(SessionError);
    await expect(session.logout()).rejects.toSatisfy((e) => SessionError.is(e, 'READ_ONLY'));
    expect(scope.setAttempts).toEqual([]);
  });

  it('opens no store and reads no clock while Next.js prerenders, at build time or for a runtime prefetch', async () => {
    const jar = await signIn();
    for (const kind of ['prerender', 'runtime-prefetch'] as const) {
      let factoryRuns = 0;
      let clockReads = 0;
      const store = new SessionStore(t.db, {
        tableName: TABLE,
        fingerprintHeaders: NEXT_FINGERPRINT,
        now: () => {
          clockReads++;
          return t.clock.now();
        },
      });
      clockReads = 0;
      const { getSession } = createSessionHandlers({
        store: () => {
          factoryRuns++;
          return store;
        },
      });
      enterScope(new RequestScope(kind, BROWSER_HEADERS, jar.cookies));
      let settled = false;
      getSession().finally(() => {
        settled = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect({ kind, settled, factoryRuns, clockReads, queries: t.counter.queries }).toEqual({
        kind,
        settled: false,
        factoryRuns: 0,
        clockReads: 0,
        queries: 0,
      });
    }
  });

  it('throws STORE_FAILURE when the database fails (fail closed)', async () => {
    const jar = await signIn();
    render(jar);
    t.fault.fail();
    const { getSession } = createSessionHandlers({ store: t.store });
    await expect(getSession()).rejects.toSatisfy((e) => SessionError.is(e, 'STORE_FAILURE'));
  });

  it('renders signed out with loadFailed set when the app chose anonymous on store failure', async () => {
    const jar = await signIn();
    render(jar);
    t.fault.fail();
    const { getSession } = createSessionHandlers({ store: t.store, onLoadError: 'anonymous' });
    const session = await getSession();
    expect(session.isAuthenticated).toBe(false);
    expect(session.loadFailed).toBe(true);
  });
});

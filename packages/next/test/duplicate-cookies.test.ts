import { NextRequest } from 'next/server.js';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createSessionHandlers } from '../src/index.js';
import { enterScope, RequestScope } from './fake-request-scope.js';
import { BROWSER_HEADERS, Jar, noParams, openStore, type TestStore } from './support.js';

// Server actions and server components read the request through next/headers (mocked: see fake-request-scope.ts).
vi.mock('next/headers.js', () => import('./fake-request-scope.js'));
// connection() from next/server too (the rest of next/server is Next's own).
vi.mock('next/server.js', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  connection: (await import('./fake-request-scope.js')).connection,
}));

const TABLE = 'sess_next_duplicates';

let t: TestStore;
beforeEach(async () => {
  t = await openStore(TABLE);
});
afterEach(() => t.close());

/** The bare cookie value of a new session of `userId`. */
async function cookieOf(userId: string): Promise<string> {
  const { withSession } = createSessionHandlers({ store: t.store });
  const jar = new Jar();
  const login = withSession(async (_request, { session }) => {
    await session.authenticate(userId);
    return new Response(null, { status: 204 });
  });
  const [cookie] = jar.receive(await login(jar.request('/login', { method: 'POST' }), noParams));
  return cookie?.value as string;
}

it('reads duplicate and quoted session cookies the same way in route handlers, server actions and getSession()', async () => {
  const alice = await cookieOf('alice');
  const mallory = await cookieOf('mallory');
  const stale = 'e'.repeat(64);
  const { withSession, withSessionAction, getSession } = createSessionHandlers({ store: t.store });
  for (const cookie of [
    `_session=${alice}; _session=${mallory}`,
    `_session="${alice}"; _session=${mallory}`,
    `_session=${stale}; _session="${alice}"; _session=${mallory}`,
  ]) {
    const headers = { ...BROWSER_HEADERS, cookie };
    const route = withSession(async (_request, { session }) => Response.json({ user: session.userId }));
    const request = new NextRequest('http://localhost:3000/me', { headers });
    const fromRoute = (await (await route(request, noParams)).json()) as { user: string | null };

    enterScope(new RequestScope('action', headers, new Map()));
    const fromAction = await withSessionAction(async (session) => session.userId)();

    enterScope(new RequestScope('render', headers, new Map()));
    const fromRender = (await getSession()).userId;

    expect([fromRoute.user, fromAction, fromRender], cookie).toEqual(['alice', 'alice', 'alice']);
  }
});

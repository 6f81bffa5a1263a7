import type { SessionManager } from '@sess/core';
import type { Context } from 'hono';
import { type AppOptions, createApp } from 'hono-app/src/app.js';
import type { DemoData } from 'hono-app/src/views.js';

/** The demo's session data plus what the hardening routes keep. */
export type HardeningData = DemoData & { counter: number; ok?: number; poison?: unknown };

/** Values that are not JSON, for the `INVALID_DATA` route. */
export const POISONS = {
  bigint: () => 10n,
  cycle: () => {
    const o: Record<string, unknown> = {};
    o.self = o;
    return o;
  },
  function: () => () => 1,
  symbol: () => Symbol('x'),
  undefined: () => undefined,
  nan: () => Number.NaN,
  date: () => new Date(0),
  nested: () => ({ list: [1, { deep: 10n }] }),
} as const satisfies Record<string, () => unknown>;

/** A poison's name. */
export type PoisonKind = keyof typeof POISONS;

/**
 * The demo app (`createApp` of examples/hono-app, all its routes and middleware: secure headers, csrf, the session
 * middleware with its HTML error page) plus four test routes that hold no session logic of their own:
 *
 * - `POST /hardening/sign-in` (form `user`): signs in as any user id, data `{ counter: 0 }` (many distinct users
 *   for the load test, where the demo has two).
 * - `POST /hardening/counter`: `set('counter', get('counter') + 1)`; answers `{ user, counter }` (401 when anonymous).
 * - `POST /hardening/poison` (form `kind`): sets `ok` and then a value that is not JSON (BigInt, cycle, ...).
 * - `GET /hardening/whoami`: `{ user }` (null when anonymous), no write.
 */
export function createHardeningApp(options: AppOptions) {
  const { app, store } = createApp(options);
  const sessionOf = (c: Context) => c.get('session') as SessionManager<HardeningData>;

  app.post('/hardening/sign-in', async (c) => {
    const body = await c.req.parseBody();
    const user = typeof body.user === 'string' ? body.user : '';
    if (!user) return c.json({ error: 'user is required' }, 400);
    const s = await sessionOf(c).authenticate(user, { visits: 0, theme: 'light', counter: 0 });
    return c.json({ user, id: s.id });
  });

  app.post('/hardening/counter', (c) => {
    const s = sessionOf(c);
    if (!s.isAuthenticated) return c.json({ user: null, counter: null }, 401);
    const counter = (s.get('counter') ?? 0) + 1;
    s.set('counter', counter);
    return c.json({ user: s.userId, counter });
  });

  app.post('/hardening/poison', async (c) => {
    const body = await c.req.parseBody();
    const make = POISONS[body.kind as PoisonKind];
    if (!make) return c.json({ error: 'unknown kind' }, 400);
    const s = sessionOf(c);
    s.set('ok', 1);
    s.set('poison', make());
    return c.json({ stored: true });
  });

  app.get('/hardening/whoami', (c) => c.json({ user: sessionOf(c).userId }));

  return { app, store };
}

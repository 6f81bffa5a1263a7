/**
 * The Hono app every runtime serves: sign in, who am I, my devices, revoke a device. The same source runs in
 * workerd, on Bun.serve and on Deno.serve; only the store and `getConnInfo` differ.
 */
import type { SessionStore } from '@sess/core';
import { requireSession, type SessionEnv, session } from '@sess/hono';
import { Hono } from 'hono';
import type { GetConnInfo } from 'hono/conninfo';

/** The app on `store`; `getConnInfo` is the runtime's (`hono/bun`, `hono/deno`, `hono/cloudflare-workers`). */
export function createApp(store: SessionStore, getConnInfo: GetConnInfo) {
  const app = new Hono<SessionEnv<{ visits: number }>>();
  app.use(session({ store, getConnInfo }));
  app.post('/sign-in', async (c) => {
    const { userId } = await c.req.json<{ userId: string }>();
    await c.get('session').authenticate(userId);
    return c.json({ userId });
  });
  app.get('/me', (c) => {
    const s = c.get('session');
    if (!s.isAuthenticated) return c.json({ userId: null, rejection: s.rejection });
    s.set('visits', (s.get('visits') ?? 0) + 1);
    return c.json({ userId: s.userId, visits: s.get('visits') });
  });
  app.get('/devices', requireSession(), async (c) => c.json(await c.get('session').listMySessions()));
  app.post('/devices/:id/revoke', requireSession(), async (c) => {
    await c.get('session').revoke(c.req.param('id'));
    return c.json({ revoked: c.req.param('id') });
  });
  app.get('/rows', async (c) => {
    const row = await store.db
      .selectFrom(store.config.tableName)
      .select((eb) => eb.fn.countAll().as('n'))
      .where('user_id', '=', c.req.query('user') ?? '')
      .executeTakeFirstOrThrow();
    return c.json({ count: Number(row.n) });
  });
  return app;
}

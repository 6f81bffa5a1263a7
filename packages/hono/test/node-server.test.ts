import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { migrateToLatest, SessionStore } from '@sess/core';
import { parseSetCookies } from '@sess/core/testing';
import { CHROME_MAC } from '@sess/test-kit';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SessionEnv, session } from '../src/index.js';

/** The middleware on a real @hono/node-server over loopback HTTP: the socket address comes from conninfo. */
describe('on @hono/node-server over real HTTP', () => {
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  const servers: { close(): void }[] = [];

  async function start(store: SessionStore): Promise<string> {
    const app = new Hono<SessionEnv>();
    app.use(session({ store }));
    app.post('/login', async (c) => c.json({ id: (await c.get('session').authenticate('alice')).id }));
    app.get('/whoami', (c) => c.json({ userId: c.get('session').userId }));
    return new Promise((resolve) => {
      const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) =>
        resolve(`http://127.0.0.1:${info.port}`),
      );
      servers.push(server);
    });
  }

  beforeAll(async () => {
    await migrateToLatest(db);
  });

  afterAll(async () => {
    for (const server of servers) server.close();
    await db.destroy();
  });

  it('records the socket address and ignores X-Forwarded-For from an untrusted peer', async () => {
    const store = new SessionStore(db);
    const url = await start(store);
    const res = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'user-agent': CHROME_MAC, 'x-forwarded-for': '198.51.100.1' },
    });
    const { id } = (await res.json()) as { id: string };
    const session = await store.read(id);
    expect(session?.ipAddress).toBe('127.0.0.1');
    expect(session?.deviceName).toBe('Chrome on macOS');

    const cookie = parseSetCookies(res.headers)[0];
    const again = await fetch(`${url}/whoami`, {
      headers: { 'user-agent': CHROME_MAC, cookie: `${cookie?.name}=${cookie?.value}` },
    });
    expect(await again.json()).toEqual({ userId: 'alice' });
  });

  it('believes X-Forwarded-For when the loopback peer is a trusted proxy', async () => {
    const store = new SessionStore(db, { trustedProxies: ['127.0.0.1/32', '::1/128'] });
    const url = await start(store);
    const res = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'user-agent': CHROME_MAC, 'x-forwarded-for': '198.51.100.1' },
    });
    const { id } = (await res.json()) as { id: string };
    expect((await store.read(id))?.ipAddress).toBe('198.51.100.1');
  });
});

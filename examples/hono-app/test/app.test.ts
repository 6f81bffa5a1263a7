import { migrateToLatest, type SessionStore } from '@sess/core';
import { FakeClock } from '@sess/core/testing';
import { DEMO_PASSWORDS } from '@sess/demo-kit';
import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { CHROME_MAC, FIREFOX_WINDOWS } from '@sess/test-kit';
import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { type AppEnv, createApp } from '../src/app.js';
import { TestClient } from './support/client.js';

/** The rows of the devices page: id, device name, and whether it is marked "this device". */
function devicesOf(html: string): { id: string; device: string; current: boolean; thisDevice: boolean }[] {
  return [
    ...html.matchAll(/<tr class="[^"]*" data-session-id="([^"]+)" data-current="(true|false)">(.*?)<\/tr>/gs),
  ].map((m) => ({
    id: m[1] as string,
    current: m[2] === 'true',
    device: /<strong class="device">([^<]+)<\/strong>/.exec(m[3] ?? '')?.[1] ?? '',
    thisDevice: (m[3] ?? '').includes('This device'),
  }));
}

forEachDialect(
  (spec) => {
    const table = uniqueTableName('hono_app');
    const t = useTestDatabase(spec, { sessionTables: [table] });
    let db: Kysely<any>;
    let app: Hono<AppEnv>;
    let store: SessionStore;
    let clock: FakeClock;

    beforeAll(async () => {
      db = t.db;
      await migrateToLatest(db, { tableName: table });
    });

    beforeEach(async () => {
      await db.deleteFrom(table).execute();
      clock = new FakeClock('2030-01-01T10:00:00Z');
      ({ app, store } = createApp({ db, session: { tableName: table, now: clock.now } }));
    });

    async function signedIn(user: 'alice' | 'bob', userAgent = CHROME_MAC, ip = '127.0.0.1') {
      const client = new TestClient(app, { userAgent, ip });
      const res = await client.signIn(user, DEMO_PASSWORDS[user] as string);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/');
      return client;
    }

    it('shows the demo users and their passwords on the sign-in page', async () => {
      const res = await new TestClient(app).request('/login');
      const html = await res.text();
      expect(res.status).toBe(200);
      expect(html.startsWith('<!doctype html>')).toBe(true);
      for (const [user, password] of Object.entries(DEMO_PASSWORDS)) {
        expect(html).toContain(`<code>${user}</code>`);
        expect(html).toContain(`<code>${password}</code>`);
      }
    });

    it('sends an anonymous visitor to the sign-in page without creating a session', async () => {
      const client = new TestClient(app);
      for (const path of ['/', '/devices']) {
        const res = await client.request(path);
        expect(res.status).toBe(303);
        expect(res.headers.get('location')).toBe('/login');
      }
      expect(await db.selectFrom(table).select('id').execute()).toEqual([]);
    });

    it('answers a wrong password with 401 and sets no cookie', async () => {
      const client = new TestClient(app);
      const res = await client.signIn('alice', 'not-the-password');
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('Wrong username or password.');
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await db.selectFrom(table).select('id').execute()).toEqual([]);
    });

    it('counts visits per session, each browser its own count', async () => {
      const a = await signedIn('alice');
      const b = await signedIn('alice', FIREFOX_WINDOWS);
      for (let i = 0; i < 3; i++) await a.request('/');
      const visitsOf = async (client: TestClient) =>
        Number(
          /<div class="big" id="visits">(\d+)<\/div>/.exec(await (await client.request('/')).text())?.[1],
        );
      expect(await visitsOf(a)).toBe(4);
      expect(await visitsOf(b)).toBe(1);
    });

    it('keeps the theme choice in this session only', async () => {
      const a = await signedIn('alice');
      const b = await signedIn('alice', FIREFOX_WINDOWS);
      const res = await a.submit('/theme', { theme: 'dark' });
      expect(res.status).toBe(303);
      expect(await (await a.request('/')).text()).toContain('<body class="dark">');
      expect(await (await b.request('/')).text()).toContain('<body class="light">');
    });

    it('lists both devices with their names and IPs, marks this device, and revokes the other', async () => {
      const a = await signedIn('alice', CHROME_MAC, '192.0.2.10');
      const b = await signedIn('alice', FIREFOX_WINDOWS, '192.0.2.20');
      await signedIn('bob');
      const html = await (await a.request('/devices')).text();
      const rows = devicesOf(html);
      expect(rows.map((r) => [r.device, r.current, r.thisDevice]).sort()).toEqual([
        ['Chrome on macOS', true, true],
        ['Firefox on Windows', false, false],
      ]);
      expect(html).toContain('192.0.2.10');
      expect(html).toContain('192.0.2.20');
      expect(html).toContain('2030-01-01 10:00 UTC');

      const other = rows.find((r) => !r.current);
      const revoked = await a.submit(`/devices/${other?.id}/revoke`);
      expect(revoked.status).toBe(303);
      expect(await (await a.follow(revoked)).text()).toContain('That device is signed out');
      const bNext = await b.request('/');
      expect(bNext.status).toBe(303);
      expect(bNext.headers.get('location')).toBe('/login');
      expect(b.jar.size).toBe(0);
      expect(devicesOf(await (await a.request('/devices')).text())).toHaveLength(1);
    });

    it("does not let alice revoke bob's session (404 page)", async () => {
      const a = await signedIn('alice');
      const bob = await signedIn('bob');
      const bobsId = devicesOf(await (await bob.request('/devices')).text())[0]?.id;
      // Hono's default onError logs the SessionError before the session middleware answers it.
      const log = vi.spyOn(console, 'error').mockImplementation(() => {});
      const res = await a.submit(`/devices/${bobsId}/revoke`);
      log.mockRestore();
      expect(res.status).toBe(404);
      const html = await res.text();
      expect(html).toContain('SESSION_NOT_FOUND');
      expect(html).not.toContain(a.jar.get('_session'));
      expect((await bob.request('/devices')).status).toBe(200);
    });

    it('signs out all other devices and keeps this one', async () => {
      const a = await signedIn('alice');
      const b = await signedIn('alice', FIREFOX_WINDOWS);
      const c = await signedIn('alice', CHROME_MAC, '192.0.2.30');
      const res = await a.submit('/devices/sign-out-others');
      expect(await (await a.follow(res)).text()).toContain('Signed out 2 other devices.');
      expect((await b.request('/')).headers.get('location')).toBe('/login');
      expect((await c.request('/')).headers.get('location')).toBe('/login');
      expect((await a.request('/')).status).toBe(200);
    });

    it('signs out everywhere and leaves no session of the user in the database', async () => {
      const a = await signedIn('alice');
      await signedIn('alice', FIREFOX_WINDOWS);
      await signedIn('bob');
      const res = await a.submit('/devices/sign-out-everywhere');
      expect(res.headers.get('location')).toBe('/login?done=everywhere');
      expect(a.jar.size).toBe(0);
      const owners = await db.selectFrom(table).select('user_id').execute();
      expect(owners.map((r) => r.user_id)).toEqual(['bob']);
    });

    it('refuses a cross-origin form POST (CSRF) before it reaches the session', async () => {
      const a = await signedIn('alice');
      await signedIn('alice', FIREFOX_WINDOWS);
      const forged = await a.submit('/devices/sign-out-everywhere', {}, 'https://evil.example');
      expect(forged.status).toBe(403);
      expect(await db.selectFrom(table).select('id').execute()).toHaveLength(2);
      const forgedLogin = await new TestClient(app).submit(
        '/login',
        { username: 'alice', password: 'wonderland' },
        'https://evil.example',
      );
      expect(forgedLogin.status).toBe(403);
      expect(forgedLogin.headers.getSetCookie()).toEqual([]);
    });

    it('signs in with a new session (no fixation) and signs out with the cookie cleared', async () => {
      const a = await signedIn('alice');
      const first = a.jar.get('_session');
      const again = await a.signIn('alice', 'wonderland');
      expect(again.status).toBe(303);
      expect(a.jar.get('_session')).not.toBe(first);
      expect(await store.listForUser('alice')).toHaveLength(1);
      const out = await a.submit('/logout');
      expect(out.headers.get('location')).toBe('/login?done=signed-out');
      expect(a.jar.size).toBe(0);
      expect(await store.listForUser('alice')).toEqual([]);
    });
  },
  { only: ['sqlite-memory', 'postgres', 'mysql'] },
);

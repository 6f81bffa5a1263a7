import { migrateToLatest, type SessionStore } from '@sess/core';
import { FakeClock, parseSetCookies } from '@sess/core/testing';
import { DEMO_PASSWORDS } from '@sess/demo-kit';
import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { CHROME_MAC, FIREFOX_WINDOWS } from '@sess/test-kit';
import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { type AppEnv, createApp, SIGNED_OUT_ELSEWHERE } from '../src/app.js';
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

/** The items listed in the cart card of a page. */
function cartOf(html: string): string[] {
  const list = /<ul id="cart-items">(.*?)<\/ul>/s.exec(html)?.[1] ?? '';
  return [...list.matchAll(/<li>([^<]+)<\/li>/g)].map((m) => m[1] as string);
}

/** The sign-in form's notice or error text, as the page shows it (HTML entities of quotes decoded). */
function noticeOf(html: string): string | undefined {
  const text = /<div class="card notice" role="status">(.*?)<\/div>/s.exec(html)?.[1];
  return text
    ?.replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
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

    it('shows an anonymous visitor the guest home page, sends them to sign in for devices, and creates no session', async () => {
      const client = new TestClient(app);
      const home = await client.request('/');
      expect(home.status).toBe(200);
      const html = await home.text();
      expect(html).toContain('<h1>Welcome</h1>');
      expect(html).toContain('Empty.');
      for (const path of ['/devices', '/devices/confirm-password']) {
        const res = await client.request(path);
        expect(res.status).toBe(303);
        expect(res.headers.get('location')).toBe('/login');
      }
      expect((await client.request('/login')).status).toBe(200);
      expect(client.jar.size).toBe(0);
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
      expect(bNext.headers.get('location')).toBe('/login?done=elsewhere');
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
      expect((await b.request('/')).headers.get('location')).toBe('/login?done=elsewhere');
      expect((await c.request('/')).headers.get('location')).toBe('/login?done=elsewhere');
      expect((await a.request('/')).status).toBe(200);
    });

    it('signs out everywhere and leaves no session of the user in the database', async () => {
      const a = await signedIn('alice');
      await signedIn('alice', FIREFOX_WINDOWS);
      await signedIn('bob');
      const res = await a.submit('/devices/sign-out-everywhere');
      expect(res.headers.get('location')).toBe('/login');
      const owners = await db.selectFrom(table).select('user_id').execute();
      // bob's session, and the guest session (no user) that holds the notice for this browser's next page
      expect(owners.map((r) => r.user_id).sort()).toEqual(['', 'bob']);
      const next = await (await a.follow(res)).text();
      expect(next).toContain('You are signed out on every device.');
      expect(await (await a.request('/login')).text()).not.toContain('signed out on every device');
      expect(await store.listForUser('alice')).toEqual([]);
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

    it('keeps a guest cart in a guest session and carries it into the session sign-in creates, with a new token', async () => {
      const client = new TestClient(app);
      const added = await client.submit('/cart', { item: 'tea' });
      expect(added.status).toBe(303);
      expect(added.headers.get('location')).toBe('/');
      const guestToken = client.jar.get('_session');
      expect(guestToken).toMatch(/^[0-9a-f]{64}$/);
      await client.submit('/cart', { item: 'biscuits' });
      const home = await (await client.request('/')).text();
      expect(home).toContain('<h1>Welcome</h1>');
      expect(cartOf(home)).toEqual(['Tea', 'Biscuits']);
      expect((await db.selectFrom(table).select('user_id').execute()).map((r) => r.user_id)).toEqual(['']);
      expect(await (await client.request('/login')).text()).toContain('Your cart (2 items) comes with you');

      expect((await client.signIn('alice', 'wonderland')).headers.get('location')).toBe('/');
      expect(client.jar.get('_session')).not.toBe(guestToken);
      const signedIn = await (await client.request('/')).text();
      expect(signedIn).toContain('Hello, Alice');
      expect(cartOf(signedIn)).toEqual(['Tea', 'Biscuits']);
      expect((await db.selectFrom(table).select('user_id').execute()).map((r) => r.user_id)).toEqual([
        'alice',
      ]);

      // The guest token opens nothing any more.
      const replay = new TestClient(app);
      replay.jar.set('_session', guestToken as string);
      expect((await replay.request('/devices')).headers.get('location')).toBe('/login');

      await client.submit('/cart/empty');
      expect(cartOf(await (await client.request('/')).text())).toEqual([]);
    });

    it('refuses an unknown cart item and writes nothing', async () => {
      const client = new TestClient(app);
      expect((await client.submit('/cart', { item: 'caviar' })).status).toBe(400);
      expect((await client.submit('/cart/empty')).status).toBe(303);
      expect(client.jar.size).toBe(0);
      expect(await db.selectFrom(table).select('id').execute()).toEqual([]);
    });

    it('gives a browser-session cookie without "Remember me" and a 30-day one with it, and lists which is which', async () => {
      const once = new TestClient(app, { userAgent: FIREFOX_WINDOWS });
      const [browserOnly] = parseSetCookies(
        (await once.submit('/login', { username: 'alice', password: 'wonderland' })).headers,
      );
      expect(browserOnly?.name).toBe('_session');
      expect(browserOnly?.maxAge).toBeUndefined();
      expect(browserOnly?.expires).toBeUndefined();

      const kept = new TestClient(app);
      const [persistent] = parseSetCookies(
        (await kept.submit('/login', { username: 'alice', password: 'wonderland', remember: 'on' })).headers,
      );
      expect(persistent?.maxAge).toBe(30 * 86_400);

      const html = await (await kept.request('/devices')).text();
      const remembered = [
        ...html.matchAll(/<strong class="device">([^<]+)<\/strong>.*?data-remembered="(true|false)"/gs),
      ]
        .map((m) => [m[1], m[2]])
        .sort();
      expect(remembered).toEqual([
        ['Chrome on macOS', 'true'],
        ['Firefox on Windows', 'false'],
      ]);
      expect(html).toContain('until the browser closes');
    });

    it('sends a revoked browser to the sign-in page with a notice that it was signed out elsewhere, writing nothing', async () => {
      const a = await signedIn('alice');
      const b = await signedIn('alice', FIREFOX_WINDOWS);
      const other = devicesOf(await (await a.request('/devices')).text()).find((r) => !r.current);
      await a.submit(`/devices/${other?.id}/revoke`);
      const rowsBefore = await db.selectFrom(table).select('id').execute();

      const next = await b.request('/devices');
      expect(next.status).toBe(303);
      expect(next.headers.get('location')).toBe('/login?done=elsewhere');
      expect(parseSetCookies(next.headers)).toMatchObject([{ name: '_session', value: '', maxAge: 0 }]);
      const login = await b.follow(next);
      expect(noticeOf(await login.text())).toBe(SIGNED_OUT_ELSEWHERE);
      expect(noticeOf(await (await b.request('/login')).text())).toBeUndefined();
      // No guest session for the notice: a made-up token must not be able to write a row.
      expect(await db.selectFrom(table).select('id').execute()).toEqual(rowsBefore);

      // A dead cookie presented straight to the sign-in page shows the notice too.
      const c = await signedIn('alice', CHROME_MAC, '192.0.2.30');
      const dead = c.jar.get('_session') as string;
      expect((await a.submit('/devices/sign-out-others')).status).toBe(303);
      const direct = new TestClient(app);
      direct.jar.set('_session', dead);
      expect(noticeOf(await (await direct.request('/login')).text())).toBe(SIGNED_OUT_ELSEWHERE);

      // Another reason (here the cookie replayed from another browser family) goes to the sign-in page without it.
      const stolen = new TestClient(app, { userAgent: FIREFOX_WINDOWS });
      stolen.jar.set('_session', a.jar.get('_session') as string);
      expect((await stolen.request('/')).headers.get('location')).toBe('/login');
    });

    it('asks for the password again before "Sign out everywhere" once the sign-in is older than 10 minutes', async () => {
      const a = await signedIn('alice');
      const b = await signedIn('alice', FIREFOX_WINDOWS);
      clock.advance('10m');
      const stale = await a.submit('/devices/sign-out-everywhere');
      expect(stale.status).toBe(303);
      expect(stale.headers.get('location')).toBe('/devices/confirm-password');
      expect(await store.listForUser('alice')).toHaveLength(2);
      const form = await (await a.follow(stale)).text();
      expect(form).toContain('Confirm your password');
      expect(form).toContain('a sign-in from the last 10 minutes');

      const wrong = await a.submit('/devices/confirm-password', { password: 'not-the-password' });
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).toContain('Wrong password.');
      expect(await store.listForUser('alice')).toHaveLength(2);

      const confirmed = await a.submit('/devices/confirm-password', { password: 'wonderland' });
      expect(confirmed.status).toBe(303);
      expect(confirmed.headers.get('location')).toBe('/login');
      expect(await store.listForUser('alice')).toEqual([]);
      expect(noticeOf(await (await a.follow(confirmed)).text())).toBe('You are signed out on every device.');
      expect((await b.request('/')).headers.get('location')).toBe('/login?done=elsewhere');
    });

    it('lets a sign-in from the last 10 minutes sign out everywhere without the password', async () => {
      const a = await signedIn('alice');
      clock.advance('9m');
      const res = await a.submit('/devices/sign-out-everywhere');
      expect(res.headers.get('location')).toBe('/login');
      expect(await store.listForUser('alice')).toEqual([]);
    });

    it('does not let a wrong user or a guest use the password prompt', async () => {
      const guest = new TestClient(app);
      await guest.submit('/cart', { item: 'tea' });
      const res = await guest.submit('/devices/confirm-password', { password: 'wonderland' });
      expect(res.headers.get('location')).toBe('/login');
      const bob = await signedIn('bob');
      clock.advance('11m');
      // bob's prompt checks bob's password, not alice's
      expect((await bob.submit('/devices/confirm-password', { password: 'wonderland' })).status).toBe(401);
      expect(await store.listForUser('bob')).toHaveLength(1);
    });
  },
  { only: ['sqlite-memory', 'postgres', 'mysql'] },
);

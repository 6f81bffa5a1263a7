import 'reflect-metadata';
import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { describe, expect, it } from 'vitest';
import { Device, PHONE, PLATFORMS, useDemo } from './support.js';

// The demo on each database DATABASE_URL can name: a SQLite file, and the servers when their env var names them.
forEachDialect(
  (spec) => {
    const TABLE = uniqueTableName('nest_app');
    const t = useTestDatabase(spec, { sessionTables: [TABLE] });

    describe.each(PLATFORMS)('the Nest demo on %s', (platform) => {
      const demo = useDemo(platform, () => t.url, TABLE);

      it('signs a demo user in with the right password and sets a Secure, HttpOnly session cookie', async () => {
        const laptop = new Device(demo.url);
        const reply = await laptop.signIn('alice', 'wonderland');
        expect(reply.status).toBe(200);
        expect(reply.body.user).toEqual({ id: 'alice', name: 'Alice' });
        expect(reply.cookies).toMatchObject([
          { name: '_session', path: '/', secure: true, httpOnly: true, sameSite: 'lax' },
        ]);
        expect(reply.cookies[0]?.maxAge).toBeGreaterThan(29 * 86_400);
        const me = await laptop.request('GET', '/me');
        expect(me.body).toMatchObject({
          user: { id: 'alice', name: 'Alice' },
          session: { id: reply.body.session.id },
        });
        // The answer depends on the session: no cache may keep it.
        expect(me.headers.get('cache-control')).toBe('private, no-store');
        expect(me.headers.get('vary')).toMatch(/\bCookie\b/);
      });

      it('refuses a wrong password, an unknown user and a malformed body, and sets no cookie', async () => {
        const device = new Device(demo.url);
        const wrong = await device.signIn('alice', 'builder');
        expect(wrong.status).toBe(401);
        expect((await device.signIn('mallory', 'wonderland')).status).toBe(401);
        expect((await device.request('POST', '/auth/sign-in', { username: 'alice' })).status).toBe(400);
        expect(wrong.cookies).toEqual([]);
        expect(device.jar.size).toBe(0);
      });

      it('answers 401 on /me and /sessions without a session, and /health to everyone', async () => {
        const visitor = new Device(demo.url);
        expect((await visitor.request('GET', '/me')).status).toBe(401);
        expect((await visitor.request('GET', '/sessions')).status).toBe(401);
        expect((await visitor.request('GET', '/health')).body).toEqual({ ok: true });
      });

      it('lists the user’s devices, marking the current one', async () => {
        const laptop = new Device(demo.url);
        const phone = new Device(demo.url, PHONE);
        await laptop.signIn('alice', 'wonderland');
        await phone.signIn('alice', 'wonderland');
        await new Device(demo.url).signIn('bob', 'builder');
        const listed = (await phone.request('GET', '/sessions')).body;
        expect(listed).toHaveLength(2);
        const current = listed.filter((s: { current: boolean }) => s.current);
        expect(current).toHaveLength(1);
        expect(current[0]).toMatchObject({ deviceType: 'mobile', deviceName: 'Safari on iPhone' });
      });

      it('revokes another of the user’s devices, and answers 404 for another user’s session', async () => {
        const laptop = new Device(demo.url);
        const phone = new Device(demo.url, PHONE);
        const bob = new Device(demo.url);
        await laptop.signIn('alice', 'wonderland');
        const phoneSignIn = await phone.signIn('alice', 'wonderland');
        const bobSignIn = await bob.signIn('bob', 'builder');

        expect((await laptop.request('DELETE', `/sessions/${bobSignIn.body.session.id}`)).status).toBe(404);
        expect((await bob.request('GET', '/me')).status).toBe(200);

        expect((await laptop.request('DELETE', `/sessions/${phoneSignIn.body.session.id}`)).status).toBe(204);
        expect((await phone.request('GET', '/me')).status).toBe(401);
        expect((await laptop.request('GET', '/me')).status).toBe(200);
      });

      it('signs out the other devices and keeps this one', async () => {
        const laptop = new Device(demo.url);
        const phone = new Device(demo.url, PHONE);
        const tablet = new Device(demo.url);
        await laptop.signIn('alice', 'wonderland');
        await phone.signIn('alice', 'wonderland');
        await tablet.signIn('alice', 'wonderland');
        const reply = await laptop.request('POST', '/sessions/sign-out-others', {});
        expect(reply.body).toEqual({ signedOut: 2 });
        expect((await phone.request('GET', '/me')).status).toBe(401);
        expect((await tablet.request('GET', '/me')).status).toBe(401);
        expect((await laptop.request('GET', '/me')).status).toBe(200);
      });

      it('signs out everywhere, this device included, replacing its cookie with a guest one (for the notice)', async () => {
        const laptop = new Device(demo.url);
        const phone = new Device(demo.url, PHONE);
        await laptop.signIn('alice', 'wonderland');
        await phone.signIn('alice', 'wonderland');
        const bob = new Device(demo.url);
        await bob.signIn('bob', 'builder');
        const userCookie = laptop.jar.get('_session');
        const reply = await laptop.request('POST', '/sessions/sign-out-everywhere', {});
        expect(reply.status).toBe(204);
        expect(reply.cookies).toMatchObject([{ name: '_session' }]);
        expect(reply.cookies[0]?.maxAge).toBeGreaterThan(86_000); // guestTtl 1d
        expect(laptop.jar.get('_session')).not.toBe(userCookie);
        expect(await demo.store.listForUser('alice')).toEqual([]);
        expect((await laptop.request('GET', '/me')).status).toBe(401);
        expect((await phone.request('GET', '/me')).status).toBe(401);
        expect((await bob.request('GET', '/me')).status).toBe(200);
      });

      it('keeps a theme in the session data, per device', async () => {
        const laptop = new Device(demo.url);
        const phone = new Device(demo.url, PHONE);
        await laptop.signIn('alice', 'wonderland');
        await phone.signIn('alice', 'wonderland');
        expect((await laptop.request('PUT', '/me/theme', { theme: 'dark' })).body).toEqual({ theme: 'dark' });
        expect((await laptop.request('PUT', '/me/theme', { theme: 'pink' })).status).toBe(400);
        expect((await laptop.request('GET', '/me')).body.theme).toBe('dark');
        expect((await phone.request('GET', '/me')).body.theme).toBe('light');
      });

      it('answers 503 on /me while the session table is unreachable, keeps the cookie, and /health stays up', async () => {
        const laptop = new Device(demo.url);
        await laptop.signIn('alice', 'wonderland');
        const cookie = laptop.jar.get('_session');
        await demo.store.db.schema.alterTable(TABLE).renameTo(`${TABLE}_away`).execute();
        try {
          const me = await laptop.request('GET', '/me');
          expect(me.status).toBe(503);
          expect(me.cookies).toEqual([]);
          expect((await laptop.request('GET', '/health')).status).toBe(200);
        } finally {
          await demo.store.db.schema.alterTable(`${TABLE}_away`).renameTo(TABLE).execute();
        }
        expect(laptop.jar.get('_session')).toBe(cookie);
        expect((await laptop.request('GET', '/me')).status).toBe(200);
      });

      it('signs this device out and the old cookie no longer works', async () => {
        const laptop = new Device(demo.url);
        await laptop.signIn('alice', 'wonderland');
        const cookie = laptop.jar.get('_session') ?? '';
        const reply = await laptop.request('POST', '/auth/sign-out', {});
        expect(reply.status).toBe(204);
        expect(reply.cookies).toMatchObject([{ name: '_session', maxAge: 0 }]);
        laptop.jar.set('_session', cookie);
        expect((await laptop.request('GET', '/me')).status).toBe(401);
      });
    });
  },
  { only: ['sqlite-file', 'postgres', 'mysql'] },
);

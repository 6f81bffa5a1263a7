import 'reflect-metadata';
import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { describe, expect, it } from 'vitest';
import { Device, PHONE, PLATFORMS, useDemo } from './support.js';

// Remember me, the fresh sign-in before "sign out everywhere", and the notices of /auth/session.
forEachDialect(
  (spec) => {
    const TABLE = uniqueTableName('nest_app_features');
    const t = useTestDatabase(spec, { sessionTables: [TABLE] });

    describe.each(PLATFORMS)('the Nest demo’s remember me, fresh sign-in and notices on %s', (platform) => {
      const demo = useDemo(platform, () => t.url, TABLE);

      /** Moves the sign-in time of every session of `userId` back by `minutes` (as if signed in that long ago). */
      const ageSignIn = (userId: string, minutes: number) =>
        demo.store.db
          .updateTable(TABLE)
          .set({ authenticated_at: Date.now() - minutes * 60_000 })
          .where('user_id', '=', userId)
          .execute();

      it('signs in with remember: false to a browser-session cookie (no Max-Age, no Expires)', async () => {
        const kiosk = new Device(demo.url);
        const reply = await kiosk.request('POST', '/auth/sign-in', {
          username: 'alice',
          password: 'wonderland',
          remember: false,
        });
        expect(reply.status).toBe(200);
        expect(reply.body.session.remembered).toBe(false);
        const [setCookie, ...more] = reply.headers.getSetCookie();
        expect(more).toEqual([]);
        expect(setCookie).toMatch(/^_session=/);
        expect(setCookie).not.toMatch(/max-age|expires/i);
        expect((await kiosk.request('GET', '/me')).status).toBe(200);

        const laptop = new Device(demo.url);
        const remembered = await laptop.signIn('alice', 'wonderland');
        expect(remembered.body.session.remembered).toBe(true);
        expect(remembered.cookies[0]?.maxAge).toBeGreaterThan(29 * 86_400);
        const flags = (await demo.store.listForUser('alice')).map((s) => s.remembered).sort();
        expect(flags).toEqual([false, true]);
      });

      it('asks for the password again before signing out everywhere when the sign-in is older than 10 minutes', async () => {
        const laptop = new Device(demo.url);
        const phone = new Device(demo.url, PHONE);
        await laptop.signIn('alice', 'wonderland');
        await phone.signIn('alice', 'wonderland');
        await ageSignIn('alice', 11);

        const stale = await laptop.request('POST', '/sessions/sign-out-everywhere', {});
        expect(stale.status).toBe(403);
        expect(stale.body).toEqual({
          error: { code: 'REAUTHENTICATION_REQUIRED', message: expect.any(String) },
        });
        expect((await phone.request('GET', '/me')).status).toBe(200); // nothing was signed out

        expect((await laptop.request('POST', '/me/reauthenticate', { password: 'builder' })).status).toBe(
          401,
        );
        const before = laptop.jar.get('_session');
        const confirmed = await laptop.request('POST', '/me/reauthenticate', { password: 'wonderland' });
        expect(confirmed.status).toBe(204);
        expect(laptop.jar.get('_session')).not.toBe(before); // a new token

        expect((await laptop.request('POST', '/sessions/sign-out-everywhere', {})).status).toBe(204);
        expect((await phone.request('GET', '/me')).status).toBe(401);
        expect((await laptop.request('GET', '/me')).status).toBe(401);
      });

      it('tells this browser it signed out everywhere, and another one it was signed out from another device, once', async () => {
        const laptop = new Device(demo.url);
        const phone = new Device(demo.url, PHONE);
        await laptop.signIn('alice', 'wonderland');
        await phone.signIn('alice', 'wonderland');
        expect((await laptop.request('GET', '/auth/session')).body).toEqual({
          user: { id: 'alice', name: 'Alice' },
          notice: null,
        });

        expect((await laptop.request('POST', '/sessions/sign-out-everywhere', {})).status).toBe(204);
        expect((await laptop.request('GET', '/auth/session')).body).toEqual({
          user: null,
          notice: 'You were signed out everywhere.',
        });
        expect((await laptop.request('GET', '/auth/session')).body).toEqual({ user: null, notice: null });

        expect((await phone.request('GET', '/auth/session')).body).toEqual({
          user: null,
          notice: 'You were signed out from another device.',
        });
        expect((await phone.request('GET', '/auth/session')).body).toEqual({ user: null, notice: null });
      });

      it('writes nothing for visitors who only look', async () => {
        const visitor = new Device(demo.url);
        for (const path of ['/auth/session', '/health', '/me']) await visitor.request('GET', path);
        expect(visitor.jar.size).toBe(0);
        expect(await demo.store.db.selectFrom(TABLE).selectAll().execute()).toEqual([]);
      });
    });
  },
  { only: ['sqlite-file', 'postgres', 'mysql'] },
);

import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { SessionStore } from '@sess/core';
import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Device, PLATFORMS, startDemo } from './support.js';

const EVIL = 'https://evil.example';
const CREDENTIALS = { username: 'bob', password: 'builder' };

// The CSRF rule of the demo (src/csrf.guard.ts) on both platforms: forged requests change nothing in the database.
forEachDialect(
  (spec) => {
    const TABLE = uniqueTableName('nest_csrf');
    const t = useTestDatabase(spec, { sessionTables: [TABLE] });

    describe.each(PLATFORMS)('the Nest demo refuses cross-site requests on %s', (platform) => {
      let app: INestApplication;
      let url: string;
      let origin: string;
      let store: SessionStore;

      beforeAll(async () => {
        ({ app, url } = await startDemo(platform, { databaseUrl: t.url, sessionTable: TABLE }));
        origin = new URL(url).origin;
        store = app.get(SessionStore);
      });
      afterAll(async () => {
        await app?.close();
      });
      beforeEach(async () => {
        await store.db.deleteFrom(TABLE).execute();
      });

      /** The user ids of every session row, read from the table. */
      async function sessionOwners(): Promise<string[]> {
        const rows = await store.db.selectFrom(TABLE).select('user_id').orderBy('user_id').execute();
        return rows.map((r) => String(r.user_id));
      }

      const json = (body: unknown, headers: Record<string, string>) => ({
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });

      it('refuses a cross-site sign-in (login CSRF) with 403: no cookie, no session row', async () => {
        const victim = new Device(url);
        const forgedJson = await victim.sendRaw(
          'POST',
          '/auth/sign-in',
          json(CREDENTIALS, { origin: EVIL, 'sec-fetch-site': 'cross-site' }),
        );
        expect(forgedJson.status).toBe(403);
        const forgedForm = await victim.sendRaw('POST', '/auth/sign-in', {
          headers: { origin: EVIL, 'sec-fetch-site': 'cross-site' },
          body: new URLSearchParams(CREDENTIALS),
        });
        expect(forgedForm.status).toBe(403);
        // A browser that sends Origin but not Sec-Fetch-Site (plain http on a public host) is refused too.
        const originOnly = await victim.sendRaw('POST', '/auth/sign-in', json(CREDENTIALS, { origin: EVIL }));
        expect(originOnly.status).toBe(403);
        for (const reply of [forgedJson, forgedForm, originOnly]) expect(reply.cookies).toEqual([]);
        expect(victim.jar.size).toBe(0);
        expect(await sessionOwners()).toEqual([]);
      });

      it('refuses a cross-site or same-site sign-out everywhere, sign-out and revoke with 403, and destroys nothing', async () => {
        const laptop = new Device(url);
        const phone = new Device(url);
        await laptop.signIn('alice', 'wonderland');
        const phoneSignIn = await phone.signIn('alice', 'wonderland');
        // Another port of the same host or a sibling subdomain is the same site: SameSite=Lax cookies go along.
        const attackers = [
          { origin: EVIL, 'sec-fetch-site': 'cross-site' },
          { origin: 'http://localhost:9999', 'sec-fetch-site': 'same-site' },
        ];
        for (const headers of attackers) {
          expect((await laptop.sendRaw('POST', '/sessions/sign-out-everywhere', { headers })).status).toBe(
            403,
          );
          expect(
            (await laptop.sendRaw('POST', '/sessions/sign-out-everywhere', json({}, headers))).status,
          ).toBe(403);
          expect((await laptop.sendRaw('POST', '/auth/sign-out', { headers })).status).toBe(403);
          expect(
            (await laptop.sendRaw('DELETE', `/sessions/${phoneSignIn.body.session.id}`, { headers })).status,
          ).toBe(403);
        }
        expect(await sessionOwners()).toEqual(['alice', 'alice']);
        // CsrfGuard runs before SessionGuard: a forged request without a cookie is refused as forged, not as anonymous.
        const anonymous = await new Device(url).sendRaw('POST', '/sessions/sign-out-everywhere', {
          headers: { origin: EVIL, 'sec-fetch-site': 'cross-site' },
        });
        expect(anonymous.status).toBe(403);
        expect((await laptop.request('GET', '/me')).status).toBe(200);
        expect((await phone.request('GET', '/me')).status).toBe(200);
      });

      it('refuses a form-encoded or text/plain body with 415, from its own origin too, and signs nobody in', async () => {
        const device = new Device(url);
        const sameOrigin = { origin, 'sec-fetch-site': 'same-origin' };
        const form = await device.sendRaw('POST', '/auth/sign-in', {
          headers: sameOrigin,
          body: new URLSearchParams(CREDENTIALS),
        });
        expect(form.status).toBe(415);
        const multipart = new FormData();
        multipart.set('username', 'bob');
        multipart.set('password', 'builder');
        expect(
          (await device.sendRaw('POST', '/auth/sign-in', { headers: sameOrigin, body: multipart })).status,
        ).toBe(415);
        const textPlain = await device.sendRaw('POST', '/auth/sign-in', {
          headers: { ...sameOrigin, 'content-type': 'text/plain' },
          body: JSON.stringify(CREDENTIALS),
        });
        expect(textPlain.status).toBe(415);
        // Without browser headers (curl): a form is still not accepted.
        expect(
          (await device.sendRaw('POST', '/auth/sign-in', { body: new URLSearchParams(CREDENTIALS) })).status,
        ).toBe(415);
        expect(device.jar.size).toBe(0);
        expect(await sessionOwners()).toEqual([]);
      });

      it('accepts the JSON requests of its own origin, and bodyless ones', async () => {
        const laptop = new Device(url);
        const phone = new Device(url);
        const sameOrigin = { origin, 'sec-fetch-site': 'same-origin' };
        const signIn = await laptop.sendRaw('POST', '/auth/sign-in', json(CREDENTIALS, sameOrigin));
        expect(signIn.status).toBe(200);
        expect(laptop.jar.has('_session')).toBe(true);
        // Behind a TLS proxy Origin is https://… while the app sees http: Sec-Fetch-Site alone vouches for it.
        const proxied = await phone.sendRaw(
          'POST',
          '/auth/sign-in',
          json(CREDENTIALS, { origin: 'https://app.example', 'sec-fetch-site': 'same-origin' }),
        );
        expect(proxied.status).toBe(200);
        // A browser without Sec-Fetch-Site: Origin alone vouches for it.
        expect((await laptop.sendRaw('PUT', '/me/theme', json({ theme: 'dark' }, { origin }))).status).toBe(
          200,
        );
        expect(await sessionOwners()).toEqual(['bob', 'bob']);
        const others = await laptop.sendRaw('POST', '/sessions/sign-out-others', { headers: sameOrigin });
        expect(others.status).toBe(200);
        expect(await sessionOwners()).toEqual(['bob']);
        const everywhere = await laptop.sendRaw(
          'POST',
          '/sessions/sign-out-everywhere',
          json({}, sameOrigin),
        );
        expect(everywhere.status).toBe(204);
        expect(await sessionOwners()).toEqual(['']); // only the guest session that carries the notice
      });
    });
  },
  { only: ['sqlite-file', 'postgres', 'mysql'] },
);

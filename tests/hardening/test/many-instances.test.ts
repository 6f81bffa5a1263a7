// Part 2 of issue 8: two demo server processes (examples/hono-app/src/server.ts) on one database and one table.
// A browser sends its cookie to both (cookies do not care about the port), so either instance may serve it.
import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { CHROME_MAC, FIREFOX_WINDOWS, type ServerProcess } from '@sess/test-kit';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient, type Reply, visitsOf } from './support/http-client.js';
import { startServer } from './support/server-process.js';

/** The session ids on a devices page, with whether each is this device. */
function devicesOf(reply: Reply): { id: string; current: boolean }[] {
  return [...reply.body.matchAll(/data-session-id="([0-9A-Z]{26})" data-current="(true|false)"/g)].map(
    (m) => ({
      id: m[1] as string,
      current: m[2] === 'true',
    }),
  );
}

/**
 * The demo's answer to a browser signed out elsewhere: back to the sign-in page with the notice that says so (in the
 * URL: a flash would need a guest row for any made-up cookie), and the dead cookie cleared.
 */
function expectSignedOut(reply: Reply): void {
  expect(reply.status).toBe(303);
  expect(reply.location).toBe('/login?done=elsewhere');
  expect(reply.cookies).toMatchObject([{ name: '_session', value: '', maxAge: 0 }]);
}

forEachDialect(
  (spec) =>
    describe('two demo server processes on one table', () => {
      const table = uniqueTableName('hard_multi');
      const t = useTestDatabase(spec, { sessionTables: [table] });
      let a: ServerProcess;
      let b: ServerProcess;
      let admin: Kysely<any>;

      beforeAll(async () => {
        admin = t.db;
        const url = t.url as string;
        // Both start (and migrate the same table) at once, as two instances of one deploy do.
        [a, b] = await Promise.all([
          startServer('demo', { DATABASE_URL: url, SESS_TABLE: table }),
          startServer('demo', { DATABASE_URL: url, SESS_TABLE: table }),
        ]);
      });

      beforeEach(async () => {
        await admin.deleteFrom(table).execute();
      });

      afterAll(async () => {
        await Promise.all([a?.stop(), b?.stop()]);
      });

      it('accepts a session created through one instance on the other, with its data', async () => {
        const alice = new HttpClient(a.url);
        expect((await alice.signIn('alice', 'wonderland')).status).toBe(303);
        expect(visitsOf((await alice.get('/')).body)).toBe(1);

        alice.baseUrl = b.url;
        const onB = await alice.get('/');
        expect(onB.status).toBe(200);
        expect(onB.body).toContain('Hello, Alice');
        expect(visitsOf(onB.body)).toBe(2);
        const devices = devicesOf(await alice.get('/devices'));
        expect(devices).toHaveLength(1);
        expect(devices[0]?.current).toBe(true);

        alice.baseUrl = a.url;
        expect(visitsOf((await alice.get('/')).body)).toBe(3);
      });

      it('signs a session revoked on one instance out on the other at its very next request', async () => {
        const laptop = new HttpClient(a.url, CHROME_MAC);
        const phone = new HttpClient(b.url, FIREFOX_WINDOWS);
        await laptop.signIn('alice', 'wonderland');
        await phone.signIn('alice', 'wonderland');
        expect((await phone.get('/')).status).toBe(200); // live on B just before

        const other = devicesOf(await laptop.get('/devices')).find((d) => !d.current);
        expect(other).toBeDefined();
        expect((await laptop.post(`/devices/${other?.id}/revoke`)).location).toBe('/devices?done=revoked');

        expectSignedOut(await phone.get('/'));
        expect((await laptop.get('/')).status).toBe(200);
      });

      it('signs every session out on the other instance after "sign out everywhere" on one', async () => {
        const onA = new HttpClient(a.url, CHROME_MAC);
        const onB = new HttpClient(b.url, FIREFOX_WINDOWS);
        await onA.signIn('alice', 'wonderland');
        await onB.signIn('alice', 'wonderland');
        const bob = new HttpClient(b.url);
        await bob.signIn('bob', 'builder');
        expect((await onB.get('/devices')).status).toBe(200);

        const everywhere = await onA.post('/devices/sign-out-everywhere');
        expect(everywhere.location).toBe('/login');

        expectSignedOut(await onB.get('/devices'));
        // bob's session, and the guest session that carries alice's "signed out everywhere" notice to the next page.
        const rows = await admin.selectFrom(table).select('user_id').orderBy('user_id').execute();
        expect(rows).toEqual([{ user_id: '' }, { user_id: 'bob' }]);
        expect((await bob.get('/')).body).toContain('Hello, Bob');
      });

      it('signs the other sessions out on the other instance after "sign out all other devices", and keeps this one', async () => {
        const onA = new HttpClient(a.url, CHROME_MAC);
        const onB = new HttpClient(b.url, FIREFOX_WINDOWS);
        await onA.signIn('alice', 'wonderland');
        await onB.signIn('alice', 'wonderland');
        expect((await onA.get('/')).status).toBe(200);

        expect((await onB.post('/devices/sign-out-others')).location).toBe('/devices?done=others&n=1');

        expectSignedOut(await onA.get('/'));
        expect((await onB.get('/')).body).toContain('Hello, Alice');
      });
    }),
  { only: ['postgres', 'mysql'] },
);

import { join } from 'node:path';
import { migrateToLatest } from '@sess/core';
import {
  activeDialects,
  countRows,
  dropSessionTables,
  type TestDatabase,
  uniqueTableName,
} from '@sess/test-databases';
import { nextLogProblems, waitFor } from '@sess/test-kit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_DIR, nextBuild, nextStart, type RunningNext, runNextBuild } from './support/next.js';
import { startWsBridge, type WsBridge } from './support/ws-bridge.js';

// @sess/next in route handlers that run on Next's edge runtime (`export const runtime = 'edge'`) and in the
// deprecated middleware.ts (edge by default), with the store on Kysely's PostgresDialect over Neon's serverless
// driver: its Pool speaks PostgreSQL over a WebSocket, here through a WebSocket-to-TCP bridge to the local server.

/**
 * What `next build` prints for this app and nothing else may: Next.js 16.3+ deprecates the edge runtime and the
 * middleware.ts convention, and says that an edge route is never prerendered. None is about sess.
 */
const EXPECTED_BUILD_WARNINGS = [
  /^⚠ The Edge Runtime is deprecated\. You can use the "nodejs" runtime instead\./,
  /^⚠ Using edge runtime on a page currently disables static generation for that page$/,
  /^⚠ The "middleware" file convention is deprecated\. Please use "proxy" instead\./,
];

const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';

/**
 * `it`, failing at once with the setup's error when the setup (a `beforeAll` that records it instead of throwing)
 * failed: every test then fails with the cause, where a throwing hook would leave them counted as skipped.
 */
function checks(setupError: () => unknown) {
  return (name: string, test: () => Promise<void> | void, timeout?: number) =>
    it(
      name,
      async () => {
        const error = setupError();
        if (error) throw error;
        await test();
      },
      timeout,
    );
}

// CI must run this against a real server (activeDialects throws there when SESS_TEST_POSTGRES_URL is unset); a
// laptop without it skips, and says so.
const [postgres] = activeDialects({ only: ['postgres'] });
if (postgres?.skip) console.warn(`[next-edge] ${postgres.skip}`);

(postgres && !postgres.skip ? describe : describe.skip)(
  `@sess/next on the Next.js edge runtime, PostgreSQL through Neon's WebSocket driver${postgres?.skip ? ` (${postgres.skip})` : ''}`,
  () => {
    const table = uniqueTableName('sess_edge');
    let database: TestDatabase;
    let bridge: WsBridge;
    let buildLog: string;
    let setupError: unknown;
    const check = checks(() => setupError);

    beforeAll(async () => {
      try {
        // Node's pg, from the test: the server must be reachable (a loud failure, not a skip), and the table
        // migrated before the app's first request (the app only makes the store).
        database = await (postgres?.spec.open() as Promise<TestDatabase>);
        await sql`select 1`.execute(database.db);
        await migrateToLatest(database.db, { tableName: table });
        bridge = await startWsBridge();
        buildLog = await nextBuild();
        console.log(`[next-edge] next build:\n${buildLog}`);
      } catch (error) {
        setupError = error;
      }
    }, 240_000);

    afterAll(async () => {
      await bridge?.close();
      if (database) {
        // After a failed setup the server may be unreachable: the tests already report why.
        const dropped = dropSessionTables(database.db, table);
        await (setupError ? dropped.catch(() => {}) : dropped);
        await database.close();
      }
    });

    check(
      'builds every route for the edge runtime, with only the deprecation warnings Next.js prints for it',
      () => {
        const problems = nextLogProblems(buildLog).map((line) => line.trim());
        for (const expected of EXPECTED_BUILD_WARNINGS) {
          expect(
            problems.some((line) => expected.test(line)),
            `${expected} in:\n${buildLog}`,
          ).toBe(true);
        }
        expect(problems.filter((line) => !EXPECTED_BUILD_WARNINGS.some((e) => e.test(line)))).toEqual([]);
        for (const route of ['/api/sign-in', '/api/me', '/api/sign-out', '/api/devices']) {
          expect(buildLog).toContain(`ƒ ${route}`);
        }
        expect(buildLog).toMatch(/ƒ Proxy \(Middleware\)/);
      },
    );

    // Two ways to hold the connections, one build: a Neon `Pool` shared by the requests (what `next start` allows),
    // and a new Neon `Client` for each query or transaction, ended when done (what Neon asks for on hosted edge
    // platforms, where no WebSocket may outlive a request; see lib/session.ts).
    for (const mode of ['pool', 'per-use'] as const) {
      describe(mode === 'pool' ? 'a shared Neon Pool' : 'a Neon Client per query or transaction', () => {
        let server: RunningNext;
        let startError: unknown;
        const check = checks(() => setupError ?? startError);

        beforeAll(async () => {
          if (setupError) return;
          try {
            server = await nextStart({
              SESS_EDGE_DATABASE_URL: database.url as string,
              SESS_EDGE_WS_PROXY: bridge.address,
              SESS_TABLE: table,
              SESS_EDGE_CONNECTIONS: mode,
            });
          } catch (error) {
            startError = error;
          }
        });

        afterAll(async () => {
          await server?.stop();
        });

        function request(
          path: string,
          init: { method?: string; cookie?: string | undefined; json?: unknown } = {},
        ) {
          const headers: Record<string, string> = { 'user-agent': UA };
          if (init.cookie) headers.cookie = `_session=${init.cookie}`;
          if (init.json !== undefined) headers['content-type'] = 'application/json';
          return fetch(`${server.url}${path}`, {
            method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
            headers,
            redirect: 'manual',
            ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
          });
        }

        /** The one `_session` Set-Cookie line of a response, or undefined. */
        function sessionCookie(response: Response): string | undefined {
          const lines = response.headers.getSetCookie().filter((line) => line.startsWith('_session='));
          expect(lines.length, lines.join(' | ')).toBeLessThanOrEqual(1);
          return lines[0];
        }

        async function signIn(user: string): Promise<string> {
          const response = await request('/api/sign-in', { json: { user } });
          expect(response.status).toBe(200);
          expect(await response.json()).toEqual({ userId: user, runtime: 'edge-runtime' });
          const line = sessionCookie(response) ?? '';
          const token = /^_session=([^;]+);/.exec(line)?.[1];
          expect(token, line).toBeTruthy();
          return token as string;
        }

        check(
          'signs in on the edge: the cookie is set, the row written through the WebSocket bridge',
          async () => {
            const token = await signIn(`alice-${mode}`);
            expect(bridge.connections()).toBeGreaterThan(0); // Neon's driver reached PostgreSQL through the bridge
            expect(token).toMatch(/^[0-9a-f]{64}$/);
            expect(await countRows(database.db, table)).toBeGreaterThanOrEqual(1);
          },
        );

        if (mode === 'per-use') {
          check('opens a WebSocket for each use and closes it: none outlives its request', async () => {
            const token = await signIn(`frank-${mode}`);
            const before = bridge.connections();
            expect((await request('/api/me', { cookie: token })).status).toBe(200);
            expect(bridge.connections()).toBeGreaterThan(before); // the load opened a connection of its own
            await waitFor('every bridged connection to close', () => bridge.open() === 0, 10_000);
          });
        }

        check('answers /api/me with the user on the edge runtime, and 401 without the cookie', async () => {
          const token = await signIn(`bob-${mode}`);
          const me = await request('/api/me', { cookie: token });
          expect(me.status).toBe(200);
          expect(await me.json()).toEqual({ userId: `bob-${mode}`, runtime: 'edge-runtime' });
          expect(sessionCookie(me)).toBeUndefined();
          const anonymous = await request('/api/me');
          expect(anonymous.status).toBe(401);
          expect(await anonymous.json()).toMatchObject({ runtime: 'edge-runtime' });
        });

        check('signs out: the cookie is cleared and the token is anonymous afterwards', async () => {
          const token = await signIn(`carol-${mode}`);
          const out = await request('/api/sign-out', { method: 'POST', cookie: token });
          expect(out.status).toBe(200);
          expect(await out.json()).toEqual({ signedOut: true, runtime: 'edge-runtime' });
          expect(sessionCookie(out)).toMatch(/^_session=;.*Max-Age=0/);
          expect((await request('/api/me', { cookie: token })).status).toBe(401);
        });

        check(
          "lists the user's devices and revokes one: the revoked session is anonymous at its next request",
          async () => {
            const laptop = await signIn(`dave-${mode}`);
            const phone = await signIn(`dave-${mode}`);
            const listed = await request('/api/devices', { cookie: laptop });
            expect(listed.status).toBe(200);
            const { devices, runtime } = (await listed.json()) as {
              devices: { id: string; current: boolean }[];
              runtime: string;
            };
            expect(runtime).toBe('edge-runtime');
            expect(devices).toHaveLength(2);
            const other = devices.find((d) => !d.current);
            expect(devices.filter((d) => d.current)).toHaveLength(1);

            const revoke = await request(`/api/devices?id=${other?.id}`, {
              method: 'DELETE',
              cookie: laptop,
            });
            expect(revoke.status).toBe(200);
            expect(await revoke.json()).toEqual({ revoked: true, runtime: 'edge-runtime' });

            const phoneAfter = await request('/api/me', { cookie: phone });
            expect(phoneAfter.status).toBe(401);
            expect(sessionCookie(phoneAfter)).toMatch(/^_session=;/); // the dead cookie is cleared
            expect(await (await request('/api/me', { cookie: laptop })).json()).toEqual({
              userId: `dave-${mode}`,
              runtime: 'edge-runtime',
            });
          },
        );

        check('runs sessionProxy in the deprecated middleware.ts on the edge runtime', async () => {
          const token = await signIn(`erin-${mode}`);
          const guarded = await request('/guarded', { cookie: token });
          expect(guarded.status).toBe(200);
          expect(await guarded.json()).toEqual({
            userId: `erin-${mode}`,
            runtime: 'edge-runtime',
            from: 'middleware',
          });
          const signedOut = await request('/guarded');
          expect(signedOut.status).toBe(307);
          expect(new URL(signedOut.headers.get('location') ?? '', server.url).pathname).toBe('/api/me');
          const dead = await request('/guarded', { cookie: 'd'.repeat(64) });
          expect(dead.status).toBe(307);
          expect(sessionCookie(dead)).toMatch(/^_session=;/);
        });

        check('logs no warning or error while serving', async () => {
          await new Promise((resolve) => setTimeout(resolve, 300)); // let the last request's output arrive
          expect(nextLogProblems(server.output())).toEqual([]);
        });
      });
    }
  },
);

// Needs no database: the build fails before anything runs.
describe('proxy.ts on the edge runtime', () => {
  it('refuses sessionProxy in proxy.ts on the edge runtime: proxy.ts is Node.js-only in Next.js 16', async () => {
    // test/fixtures/proxy-edge: the same sessionProxy in proxy.ts with `runtime: 'edge'` in its config.
    const { code, output } = await runNextBuild(join(APP_DIR, 'test', 'fixtures', 'proxy-edge'));
    expect(code, output).not.toBe(0);
    expect(output).toContain('Proxy does not support Edge runtime.');
  }, 180_000);
});

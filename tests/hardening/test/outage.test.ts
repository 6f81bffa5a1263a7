// Part 1 of issue 8: a database outage during a stream of authenticated requests, and recovery without a restart.
// The demo's own entry (examples/hono-app/src/server.ts, as `pnpm demo` runs it) runs as a real process; between it
// and PostgreSQL sits a TCP proxy that the test cuts and restores.
import { SessionError, SessionStore, startCleanup } from '@sess/core';
import { FakeClock } from '@sess/core/testing';
import { openDatabase } from '@sess/demo-kit';
import {
  countRows,
  forEachDialect,
  startTcpProxy,
  type TcpProxy,
  uniqueTableName,
  useTestDatabase,
} from '@sess/test-databases';
import { type ServerProcess, waitFor } from '@sess/test-kit';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, type Reply, visitsOf } from './support/http-client.js';
import { startServer } from './support/server-process.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Phase = 'before' | 'outage' | 'after';
interface Sample {
  path: string;
  started: Phase;
  ended: Phase;
  reply: Reply;
}

/** An authenticated answer of the demo: the home page greets Alice, the devices page lists this device. */
function authenticated(reply: Reply): boolean {
  return reply.body.includes('Hello, Alice') || reply.body.includes('This device');
}

forEachDialect(
  (spec) =>
    describe('the demo entry through a database outage (TCP proxy)', () => {
      const table = uniqueTableName('hard_outage');
      const t = useTestDatabase(spec, { sessionTables: [table] });
      let url: string;
      let proxy: TcpProxy;
      let server: ServerProcess;
      let admin: Kysely<any>;

      beforeAll(async () => {
        admin = t.db;
        url = t.url as string;
        proxy = await startTcpProxy(url);
        server = await startServer('demo', { DATABASE_URL: proxy.route(url), SESS_TABLE: table });
      });

      afterAll(async () => {
        // A clean SIGTERM shutdown exits with 0; anything else is a crash: say what it was (e.g. `Emitted 'error' event
        // on BoundPool`, which a pg pool or client without an 'error' listener ends the process with).
        const code = await server?.stop();
        if (server && code !== 0) console.error(`the demo process exited with ${code}:\n${server.output()}`);
        await proxy?.close();
      });

      it('stays up through an outage and serves the same cookie after it (the pg pool and its clients have error listeners)', async () => {
        const alice = new HttpClient(server.url);
        expect((await alice.signIn('alice', 'wonderland')).status).toBe(303);
        expect((await alice.get('/')).status).toBe(200);
        proxy.cut();
        try {
          for (let i = 0; i < 5; i++) expect((await alice.get('/')).status).toBe(503);
          await sleep(200);
        } finally {
          proxy.restore();
        }
        const back = await alice.get('/');
        expect(back.status).toBe(200);
        expect(back.body).toContain('Hello, Alice');
        expect(server.exitCode()).toBeUndefined();
        // Logged once for the outage, however many connections it took down.
        expect(server.output().match(/database connection lost/g)).toHaveLength(1);
      });

      it('answers 503 to every request during the outage and serves the same cookie again after it, without a restart', async () => {
        const alice = new HttpClient(server.url);
        expect((await alice.signIn('alice', 'wonderland')).status).toBe(303);
        expect((await alice.post('/theme', { theme: 'dark' })).status).toBe(303);
        const cookie = alice.jar.header();
        expect(cookie).toMatch(/^_session=[0-9a-f]{64}$/);

        // One lane writes (the home page counts visits in the session), two read (the devices page lists sessions).
        let phase: Phase = 'before';
        let running = true;
        const samples: Sample[] = [];
        const lane = async (path: string) => {
          while (running) {
            const started = phase;
            const reply = await alice.get(path);
            samples.push({ path, started, ended: phase, reply });
          }
        };
        const lanes = ['/', '/devices', '/devices'].map(lane);
        const count = (started: Phase, ended?: Phase) =>
          samples.filter((s) => s.started === started && (ended === undefined || s.ended === ended)).length;
        try {
          // Each phase lasts at least 500 ms and 30 requests.
          await sleep(500);
          await waitFor('requests before the cut', () => count('before', 'before') >= 30);
          proxy.cut();
          phase = 'outage';
          await sleep(500);
          await waitFor('requests during the outage', () => count('outage', 'outage') >= 30);
          proxy.restore();
          phase = 'after';
          await sleep(500);
          await waitFor('requests after the restore', () => count('after') >= 30);
        } finally {
          proxy.restore();
          running = false;
          await Promise.all(lanes);
        }

        const during = samples.filter((s) => s.started === 'outage' && s.ended === 'outage');
        const before = samples.filter((s) => s.started === 'before' && s.ended === 'before');
        const after = samples.filter((s) => s.started === 'after');
        // Never a 500, whatever the timing: a request in flight at the cut is either served or refused with 503.
        expect(new Set(samples.map((s) => s.reply.status))).toEqual(new Set([200, 503]));
        for (const s of before) expect(authenticated(s.reply), s.path).toBe(true);
        for (const s of during) {
          expect(s.reply.status, `${s.path} during the outage`).toBe(503);
          expect(s.reply.body).toContain('STORE_FAILURE');
          expect(authenticated(s.reply)).toBe(false);
        }
        // The first request after the restore and every later one: served, signed in, with the same cookie and data.
        for (const s of after) {
          expect(s.reply.status, `${s.path} after the restore`).toBe(200);
          expect(authenticated(s.reply)).toBe(true);
          expect(s.reply.body).toContain('<body class="dark">');
        }
        // No response set or cleared the cookie: the browser keeps the one it had all along.
        expect(samples.flatMap((s) => s.reply.cookies)).toEqual([]);
        expect(alice.jar.header()).toBe(cookie);
        expect(server.exitCode()).toBeUndefined();
        expect(proxy.refused).toBeGreaterThan(0);

        // The one writer's visit count only goes up across the outage (a write whose answer was lost may skip one).
        const visits = samples
          .filter((s) => s.path === '/' && s.reply.status === 200)
          .map((s) => visitsOf(s.reply.body));
        expect(visits.length).toBeGreaterThan(2);
        for (let i = 1; i < visits.length; i++) expect(visits[i]).toBeGreaterThan(visits[i - 1] as number);
      });

      it('refuses a sign-in during the outage with 503, sets no cookie and leaves no session behind', async () => {
        const bob = new HttpClient(server.url);
        const rowsBefore = await countRows(admin, table);
        proxy.cut();
        try {
          const refused = await bob.signIn('bob', 'builder');
          expect(refused.status).toBe(503);
          expect(refused.cookies).toEqual([]);
        } finally {
          proxy.restore();
        }
        expect(await countRows(admin, table)).toBe(rowsBefore);
        expect(await admin.selectFrom(table).select('id').where('user_id', '=', 'bob').execute()).toEqual([]);
        expect((await bob.signIn('bob', 'builder')).status).toBe(303);
        expect((await bob.get('/')).body).toContain('Hello, Bob');
      });

      it('reports failed cleanup runs to onError during the outage and deletes expired sessions on the first run after it', async () => {
        // Five sessions that expired a day ago, written directly (not through the proxy).
        const past = new FakeClock(new Date(Date.now() - 2 * 86_400_000));
        const seeding = new SessionStore(admin, { tableName: table, ttl: 60, now: past.now });
        const meta = {
          ipAddress: '127.0.0.1',
          userAgent: 'job',
          deviceName: 'x',
          deviceType: 'desktop' as const,
          fingerprint: '',
        };
        for (let i = 0; i < 5; i++) await seeding.create(meta, `expired-${i}`);
        const expired = () =>
          admin.selectFrom(table).select('id').where('user_id', 'like', 'expired-%').execute();
        expect(await expired()).toHaveLength(5);

        const db = openDatabase(proxy.route(url), { sqlitePath: ':memory:', log: () => {} }).db;
        const store = new SessionStore(db, { tableName: table });
        const errors: unknown[] = [];
        const runs: number[] = [];
        proxy.cut();
        const job = startCleanup(store, {
          interval: '100ms',
          onError: (error) => errors.push(error),
          onRun: (deleted) => runs.push(deleted),
        });
        try {
          await waitFor('two failed cleanup runs', () => errors.length >= 2);
          expect(runs).toEqual([]);
          for (const error of errors) {
            expect(error).toBeInstanceOf(SessionError);
            expect((error as SessionError).code).toBe('STORE_FAILURE');
          }
          expect(await expired()).toHaveLength(5);

          proxy.restore();
          await waitFor('a successful cleanup run', () => runs.length >= 1);
          expect(runs[0]).toBe(5);
          expect(await expired()).toEqual([]);
          expect(job.running).toBe(true);
        } finally {
          proxy.restore();
          await job.stop();
          await db.destroy();
        }
      });
    }),
  { only: ['postgres'] },
);

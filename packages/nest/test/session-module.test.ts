import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { SessionStore } from '@sess/core';
import { FakeClock, type Fault } from '@sess/core/testing';
import { JsonClient } from '@sess/test-kit';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SessionCleanup, SessionGuard, SessionModule } from '../src/index.js';
import { openDb } from './support/db.js';
import { PLATFORMS, type RunningApp, startApp } from './support/http.js';
import { GuardedController, PublicClassController, testFeature } from './support/test-app.js';

const TABLE = 'nest_module_sessions';

describe.each(PLATFORMS)('SessionModule on %s', (platform) => {
  let db: Kysely<any>;
  let fault: Fault;
  let clock: FakeClock;
  let running: RunningApp;
  let store: SessionStore;

  beforeAll(async () => {
    ({ db, fault } = await openDb(TABLE));
    clock = new FakeClock();
    running = await startApp(platform, {
      imports: [
        SessionModule.forRoot({
          db,
          session: { tableName: TABLE, cookieName: 'sid', ttl: 3600, touchInterval: 60, now: clock.now },
          cookie: { sameSite: 'strict', path: '/' },
        }),
        testFeature(fault),
      ],
    });
    store = running.app.get(SessionStore);
  });

  afterAll(async () => {
    await running?.close();
    await db?.destroy();
  });

  beforeEach(async () => {
    fault.heal();
    await db.deleteFrom(TABLE).execute();
  });

  const client = () => new JsonClient(running.url);

  it('sets the session cookie on sign-in with the configured name and attributes', async () => {
    const alice = client();
    const reply = await alice.post('/sign-in', { userId: 'alice' });
    expect(reply.status).toBe(201);
    expect(reply.cookies).toHaveLength(1);
    const [cookie] = reply.cookies;
    expect(cookie).toMatchObject({ name: 'sid', path: '/', maxAge: 3600, secure: true, httpOnly: true });
    expect(cookie?.sameSite).toBe('strict');
    expect(cookie?.value).toMatch(/^[0-9a-f]{64}$/);
    expect(cookie?.expires?.getTime()).toBe(clock.now().getTime() + 3600_000);
    expect(reply.headers.get('cache-control')).toBe('private, no-store');
    expect(reply.headers.get('vary')).toMatch(/\bCookie\b/i);
    const rows = await store.listForUser('alice');
    expect(rows.map((r) => r.id)).toEqual([reply.body.id]);
  });

  it('answers 401 from SessionGuard to a request without a session cookie', async () => {
    const reply = await client().get('/me');
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
  });

  it('answers 401 from SessionGuard to a revoked session and clears its cookie', async () => {
    const alice = client();
    await alice.post('/sign-in', { userId: 'alice' });
    await store.destroyAllForUser('alice');
    const reply = await alice.get('/me');
    expect(reply.status).toBe(401);
    expect(reply.cookies).toMatchObject([{ name: 'sid', value: '', maxAge: 0 }]);
    expect(alice.jar.has('sid')).toBe(false);
  });

  it('gives the handler the request manager through @Session(): data set in one request is read in the next', async () => {
    const alice = client();
    const signIn = await alice.post('/sign-in', { userId: 'alice' });
    const me = await alice.get('/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ userId: 'alice', id: signIn.body.id, theme: 'light' });
    expect(me.cookies).toEqual([]); // nothing changed and no touch due: no cookie, no write

    expect((await alice.post('/me/theme', { theme: 'dark' })).body).toEqual({ theme: 'dark' });
    expect((await alice.get('/me')).body.theme).toBe('dark');
    expect((await store.read(signIn.body.id))?.data).toMatchObject({ theme: 'dark' });
    expect((await client().get('/whoami')).body).toEqual({ userId: null });
  });

  it("answers 404 to a revoke of another user's session and deletes nothing", async () => {
    const alice = client();
    const bob = client();
    await alice.post('/sign-in', { userId: 'alice' });
    const bobSession = await bob.post('/sign-in', { userId: 'bob' });
    const reply = await alice.delete(`/me/sessions/${bobSession.body.id}`);
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: { code: 'SESSION_NOT_FOUND', message: expect.any(String) } });
    expect(await store.read(bobSession.body.id)).not.toBeNull();
    expect((await bob.get('/me')).status).toBe(200);
  });

  it('revokes one of the user’s own sessions by id (204), signing that device out', async () => {
    const laptop = client();
    const phone = new JsonClient(running.url, 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile Safari/604.1');
    await laptop.post('/sign-in', { userId: 'alice' });
    const phoneSession = await phone.post('/sign-in', { userId: 'alice' });
    const listed = await laptop.get('/me/sessions');
    expect(listed.body).toHaveLength(2);
    expect(listed.body.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect((await laptop.delete(`/me/sessions/${phoneSession.body.id}`)).status).toBe(204);
    expect((await phone.get('/me')).status).toBe(401);
    expect((await laptop.get('/me')).status).toBe(200);
  });

  it('turns a SessionError thrown in an unguarded handler into its HTTP status (401)', async () => {
    const reply = await client().post('/sign-out-others');
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({
      error: { code: 'UNAUTHENTICATED', message: expect.stringContaining('sign in') },
    });
  });

  it('answers 401 to set() on an anonymous request without the guests option, and creates no session', async () => {
    const reply = await client().post('/own-cookie');
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
    expect(reply.cookies.map((c) => c.name)).not.toContain('sid');
    expect(await db.selectFrom(TABLE).selectAll().execute()).toEqual([]);
  });

  it('lets a provider that injects SessionStore list and destroy a user’s sessions', async () => {
    const laptop = client();
    const phone = client();
    const a = await laptop.post('/sign-in', { userId: 'alice' });
    const b = await phone.post('/sign-in', { userId: 'alice' });
    await client().post('/sign-in', { userId: 'bob' });
    const listed = await client().get('/admin/users/alice/sessions');
    expect(listed.body.map((s: { id: string }) => s.id).sort()).toEqual([a.body.id, b.body.id].sort());
    expect((await client().delete('/admin/users/alice/sessions')).body).toEqual({ destroyed: 2 });
    expect((await laptop.get('/me')).status).toBe(401);
    expect((await phone.get('/me')).status).toBe(401);
    expect(await store.listForUser('bob')).toHaveLength(1);
  });

  it('answers 503 and keeps the cookie when the database fails on load (guarded route)', async () => {
    const alice = client();
    await alice.post('/sign-in', { userId: 'alice' });
    const cookie = alice.jar.get('sid');
    fault.fail();
    const reply = await alice.get('/me');
    expect(reply.status).toBe(503);
    expect(reply.cookies).toEqual([]);
    expect(JSON.stringify(reply.body)).not.toContain('ECONNREFUSED');
    fault.heal();
    expect(alice.jar.get('sid')).toBe(cookie);
    expect((await alice.get('/me')).status).toBe(200);
  });

  it('answers 503 when the database fails on load of an unguarded route, unless it is @SessionFailOpen()', async () => {
    const alice = client();
    await alice.post('/sign-in', { userId: 'alice' });
    fault.fail();
    const unguarded = await alice.get('/whoami');
    expect(unguarded.status).toBe(503);
    expect(unguarded.cookies).toEqual([]);
    const failOpen = await alice.get('/health');
    expect(failOpen.status).toBe(200);
    expect(failOpen.body).toEqual({ ok: true, authenticated: false, loadFailed: true });
    expect(failOpen.cookies).toEqual([]);
    fault.heal();
    expect((await alice.get('/whoami')).body).toEqual({ userId: 'alice' });
  });

  it('does not flush data or touch the session when the handler throws (4xx and crash)', async () => {
    const alice = client();
    const signIn = await alice.post('/sign-in', { userId: 'alice' });
    const before = await store.read(signIn.body.id);
    clock.advance(120); // a touch is due

    const bad = await alice.post('/me/cart-then-throw');
    expect(bad.status).toBe(400);
    const crash = await alice.post('/me/cart-then-crash');
    expect(crash.status).toBe(500);
    const after = await store.read(signIn.body.id);
    expect(after?.data).toEqual({ theme: 'light' });
    expect(after?.lastActiveAt).toEqual(before?.lastActiveAt);
    expect(bad.cookies).toEqual([]);

    // Control: a request that succeeds does touch, and re-sends the cookie with the new Max-Age.
    const ok = await alice.get('/me');
    expect(ok.status).toBe(200);
    expect(ok.cookies).toMatchObject([{ name: 'sid', maxAge: 3600 }]);
    expect((await store.read(signIn.body.id))?.lastActiveAt).toEqual(clock.now());
  });

  it('answers 503 when the data write after the handler fails', async () => {
    const alice = client();
    const signIn = await alice.post('/sign-in', { userId: 'alice' });
    const reply = await alice.post('/me/cart-then-db-down');
    expect(reply.status).toBe(503);
    fault.heal();
    expect((await store.read(signIn.body.id))?.data).toEqual({ theme: 'light' });
    expect((await alice.get('/me')).status).toBe(200);
  });

  it('keeps a Set-Cookie and a Vary that the handler wrote itself next to its own', async () => {
    const alice = client();
    await alice.post('/sign-in', { userId: 'alice' });
    clock.advance(120); // a touch is due, so the session cookie is re-sent too
    const reply = await alice.post('/own-cookie');
    expect(reply.status).toBe(201);
    expect(reply.cookies.map((c) => c.name).sort()).toEqual(['sid', 'theme']);
    expect(reply.headers.get('vary')).toBe('Accept-Encoding, Cookie');
  });

  it('loads the session before guards run, so a guard of the app sees it through getSession()', async () => {
    const root = client();
    expect((await root.get('/root-only')).status).toBe(403);
    await root.post('/sign-in', { userId: 'root' });
    expect((await root.get('/root-only')).body).toEqual({ welcome: 'root' });
  });

  it('clears the cookie on sign-out and the old token no longer authenticates', async () => {
    const alice = client();
    await alice.post('/sign-in', { userId: 'alice' });
    const token = alice.jar.get('sid');
    const out = await alice.post('/sign-out');
    expect(out.status).toBe(204);
    expect(out.cookies).toMatchObject([{ name: 'sid', maxAge: 0 }]);
    alice.jar.set('sid', token ?? '');
    expect((await alice.get('/me')).status).toBe(401);
  });
});

describe.each(PLATFORMS)('SessionGuard as a global guard on %s', (platform) => {
  const table = 'nest_guard_sessions';
  let running: RunningApp;
  let db: Kysely<any>;

  beforeAll(async () => {
    ({ db } = await openDb(table));
    running = await startApp(
      platform,
      {
        imports: [SessionModule.forRoot({ db, session: { tableName: table } })],
        controllers: [GuardedController, PublicClassController],
        providers: [{ provide: APP_GUARD, useClass: SessionGuard }],
      },
      (app) => app.setGlobalPrefix('api'),
    );
  });
  afterAll(async () => {
    await running?.close();
    await db?.destroy();
  });

  it('answers 401 on routes without @Public() and lets @Public() routes and controllers through (under a global prefix)', async () => {
    const visitor = new JsonClient(`${running.url}/api`);
    expect((await visitor.get('/closed')).status).toBe(401);
    expect((await visitor.get('/open')).body).toEqual({ authenticated: false });
    expect((await visitor.get('/public-class')).body).toEqual({ hello: 'world' });
    expect((await visitor.post('/sign-in', { userId: 'carol' })).status).toBe(201);
    expect((await visitor.get('/closed')).body).toEqual({ userId: 'carol' });
    expect((await visitor.get('/open')).body).toEqual({ authenticated: true });
  });
});

describe.each(PLATFORMS)('SessionModule.forRootAsync on %s', (platform) => {
  const table = 'nest_async_sessions';
  let running: RunningApp;
  let db: Kysely<any>;

  beforeAll(async () => {
    ({ db } = await openDb(table));
    running = await startApp(platform, {
      imports: [
        SessionModule.forRootAsync({
          imports: [
            ConfigModule.forRoot({
              ignoreEnvFile: true,
              load: [() => ({ session: { cookieName: 'cfg_sid', ttl: 600 }, cookie: { secure: false } })],
            }),
          ],
          inject: [ConfigService],
          useFactory: async (config: ConfigService) => ({
            db,
            session: { tableName: table, ...config.getOrThrow('session') },
            cookie: config.getOrThrow('cookie'),
          }),
        }),
        testFeature(),
      ],
    });
  });
  afterAll(async () => {
    await running?.close();
    await db?.destroy();
  });

  it('builds the store from options that a factory reads from ConfigService', async () => {
    const alice = new JsonClient(running.url);
    const reply = await alice.post('/sign-in', { userId: 'alice' });
    expect(reply.cookies).toMatchObject([{ name: 'cfg_sid', secure: false }]);
    expect(reply.cookies[0]?.maxAge).toBeGreaterThanOrEqual(599); // ttl 600 s on the real clock
    expect(running.app.get(SessionStore).config.cookieName).toBe('cfg_sid');
    expect((await alice.get('/me')).body).toMatchObject({ userId: 'alice' });
  });
});

describe('SessionCleanup', () => {
  const table = 'nest_cleanup_sessions';
  let db: Kysely<any>;

  beforeEach(async () => {
    ({ db } = await openDb(table));
  });
  afterEach(async () => {
    await db?.destroy();
  });

  @Module({})
  class EmptyModule {}

  it('deletes expired sessions from application bootstrap on, and stops on app.close()', async () => {
    const clock = new FakeClock();
    let runs = 0;
    let firstRun: (deleted: number) => void = () => {};
    const ran = new Promise<number>((resolve) => {
      firstRun = resolve;
    });
    const running = await startApp('express', {
      imports: [
        SessionModule.forRoot({
          db,
          session: { tableName: table, ttl: 60, now: clock.now },
          cleanup: {
            interval: 3600,
            onRun: (n) => {
              runs += 1;
              firstRun(n);
            },
          },
        }),
        EmptyModule,
      ],
    });
    const cleanup = running.app.get(SessionCleanup);
    expect(cleanup.running).toBe(true);
    expect(await ran).toBe(0);

    const store = running.app.get(SessionStore);
    const meta = {
      ipAddress: '127.0.0.1',
      userAgent: 't',
      deviceName: 't',
      deviceType: 'desktop',
      fingerprint: 'f',
    };
    await store.create(meta as never, 'alice');
    clock.advance(61);
    expect(await cleanup.runNow()).toBe(1);
    await running.close();
    expect(cleanup.running).toBe(false);
    expect(runs).toBe(2);
  });

  it('runs no cleanup timer without the cleanup option', async () => {
    const running = await startApp('express', {
      imports: [SessionModule.forRoot({ db, session: { tableName: table } }), EmptyModule],
    });
    expect(running.app.get(SessionCleanup).running).toBe(false);
    await running.close();
  });
});

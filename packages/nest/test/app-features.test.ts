import 'reflect-metadata';
import { ForbiddenException } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SessionError, SessionStore } from '@sess/core';
import { FakeClock, type QueryCounter } from '@sess/core/testing';
import { JsonClient } from '@sess/test-kit';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RequireFresh, SessionGuard, SessionModule, toHttpException } from '../src/index.js';
import { openCountedDb } from './support/db.js';
import {
  AccountController,
  AdminController,
  GuestCartController,
  PublicController,
  ShopController,
} from './support/features-app.js';
import { PLATFORMS, type RunningApp, startApp } from './support/http.js';
import { GuardedController } from './support/test-app.js';

const TABLE = 'nest_feature_sessions';
const TTL = 3600;
const GUEST_TTL = 600;
const BROWSER_SESSION_TTL = 1800;

describe.each(PLATFORMS)('guests, remember me, flash and fresh sign-in on %s', (platform) => {
  let db: Kysely<any>;
  let counter: QueryCounter;
  let clock: FakeClock;
  let running: RunningApp;
  let store: SessionStore;

  beforeAll(async () => {
    ({ db, counter } = await openCountedDb(TABLE));
    clock = new FakeClock();
    running = await startApp(platform, {
      imports: [
        SessionModule.forRoot({
          db,
          session: {
            tableName: TABLE,
            cookieName: 'sid',
            ttl: TTL,
            touchInterval: 60,
            guests: true,
            guestTtl: GUEST_TTL,
            browserSessionTtl: BROWSER_SESSION_TTL,
            now: clock.now,
          },
        }),
      ],
      controllers: [ShopController, AccountController, AdminController, PublicController],
    });
    store = running.app.get(SessionStore);
  });

  afterAll(async () => {
    await running?.close();
    await db?.destroy();
  });

  beforeEach(async () => {
    await db.deleteFrom(TABLE).execute();
    counter.reset();
  });

  const client = () => new JsonClient(running.url);
  const rows = async () => (await db.selectFrom(TABLE).selectAll().execute()) as { user_id: string }[];
  const errorBody = (code: string) => ({ error: { code, message: expect.any(String) } });

  describe('guest sessions', () => {
    it('writes no row and sets no cookie for anonymous requests that set nothing', async () => {
      const bot = client();
      for (let i = 0; i < 20; i++) {
        for (const path of ['/cart', '/flash', '/flash/peek', '/public']) {
          const reply = await bot.get(path);
          expect(reply.status).toBe(200);
          expect(reply.cookies).toEqual([]);
        }
      }
      expect(counter.writes).toBe(0);
      expect(await rows()).toEqual([]);
    });

    it('gives an anonymous request that sets data a guest session, with the guest lifetime', async () => {
      const guest = client();
      const reply = await guest.post('/cart', { item: 'book' });
      expect(reply.status).toBe(201);
      expect(reply.cookies).toMatchObject([{ name: 'sid', maxAge: GUEST_TTL }]);
      expect(reply.cookies[0]?.expires?.getTime()).toBe(clock.now().getTime() + GUEST_TTL * 1000);
      expect(await rows()).toMatchObject([{ user_id: '' }]);

      expect((await guest.post('/cart', { item: 'pen' })).cookies).toEqual([]); // same session: no new cookie
      expect((await guest.get('/cart')).body).toEqual({ items: ['book', 'pen'], guest: true, userId: null });
      expect(await rows()).toHaveLength(1);
    });

    it('keeps the guest cart on sign-in, with a new token; the guest token is dead afterwards', async () => {
      const shopper = client();
      await shopper.post('/cart', { item: 'book' });
      const guestToken = shopper.jar.get('sid');
      const signIn = await shopper.post('/sign-in', { userId: 'alice' });
      expect(signIn.status).toBe(200);
      expect(signIn.cookies).toMatchObject([{ name: 'sid', maxAge: TTL }]);
      expect(shopper.jar.get('sid')).not.toBe(guestToken);
      expect((await shopper.get('/cart')).body).toEqual({ items: ['book'], guest: false, userId: 'alice' });
      expect(await rows()).toMatchObject([{ user_id: 'alice' }]);
      expect((await store.read(signIn.body.id))?.data).toEqual({ cart: ['book'], theme: 'light' });

      const replay = client();
      replay.jar.set('sid', guestToken ?? '');
      const dead = await replay.get('/cart');
      expect(dead.body).toEqual({ items: [], guest: false, userId: null });
      // A replaced token's response leaves the cookie alone (a tab's late reply must not clear the new cookie).
      expect(dead.cookies).toEqual([]);
    });

    it("merges the guest's data with the user's through authenticate()'s merge hook", async () => {
      const shopper = client();
      await shopper.post('/cart', { item: 'book' });
      expect((await shopper.post('/sign-in-merge', { userId: 'alice' })).body).toEqual({
        items: ['saved', 'book'],
      });
      expect((await shopper.get('/cart')).body.items).toEqual(['saved', 'book']);
    });

    it('answers 401 from SessionGuard to a guest, and keeps the guest session', async () => {
      const guest = client();
      await guest.post('/cart', { item: 'book' });
      const account = await guest.get('/account');
      expect(account.status).toBe(401);
      expect(account.body).toEqual(errorBody('UNAUTHENTICATED'));
      expect(account.cookies).toEqual([]);
      expect((await guest.get('/cart')).body.items).toEqual(['book']);
    });
  });

  describe('remember me', () => {
    it('remember: false sets a browser-session cookie (no Max-Age, no Expires), also on touch and reauthenticate', async () => {
      const alice = client();
      const signIn = await alice.post('/sign-in', { userId: 'alice', remember: false });
      expect(signIn.body.remembered).toBe(false);
      expect(new Date(signIn.body.expiresAt).getTime()).toBe(
        clock.now().getTime() + BROWSER_SESSION_TTL * 1000,
      );
      const noLifetime = (headers: Headers) => {
        const setCookies = headers.getSetCookie();
        expect(setCookies).toHaveLength(1);
        expect(setCookies[0]).toMatch(/^sid=[0-9a-f]{64}; Path=\//);
        expect(setCookies[0]).not.toMatch(/max-age|expires/i);
      };
      noLifetime(signIn.headers);

      clock.advance(61); // a touch is due: the cookie is sent again, still without a lifetime
      const touched = await alice.get('/account');
      expect(touched.status).toBe(200);
      noLifetime(touched.headers);
      expect((await store.read(signIn.body.id))?.expiresAt.getTime()).toBe(
        clock.now().getTime() + BROWSER_SESSION_TTL * 1000,
      );

      const reauthenticated = await alice.post('/reauthenticate');
      expect(reauthenticated.status).toBe(204);
      noLifetime(reauthenticated.headers);
      expect((await alice.get('/account')).body).toEqual({ userId: 'alice' });
    });

    it('remembers by default and with remember: true (Max-Age and Expires of the ttl)', async () => {
      for (const body of [{ userId: 'alice' }, { userId: 'bob', remember: true }]) {
        const reply = await client().post('/sign-in', body);
        expect(reply.body.remembered).toBe(true);
        expect(reply.cookies).toMatchObject([{ name: 'sid', maxAge: TTL }]);
        expect(reply.cookies[0]?.expires?.getTime()).toBe(clock.now().getTime() + TTL * 1000);
      }
      const devices = await store.listForUser('bob');
      expect(devices.map((s) => s.remembered)).toEqual([true]);
    });
  });

  describe('flash messages', () => {
    it('reads a flash exactly once; requests without one write nothing', async () => {
      const alice = client();
      await alice.post('/sign-in', { userId: 'alice' });
      counter.reset();
      await alice.get('/cart');
      expect(counter.writes).toBe(0);

      await alice.post('/flash', { notice: 'Saved.' });
      expect(counter.writes).toBe(1);
      counter.reset();
      expect((await alice.get('/flash/peek')).body).toEqual({ notice: 'Saved.' });
      expect(counter.writes).toBe(0);
      expect((await alice.get('/flash')).body).toEqual({ notice: 'Saved.' });
      expect(counter.writes).toBe(1);
      counter.reset();
      expect((await alice.get('/flash')).body).toEqual({ notice: null });
      expect(counter.writes).toBe(0);
    });

    it('keeps a flash of an anonymous request in a new guest session', async () => {
      const visitor = client();
      const set = await visitor.post('/flash', { notice: 'Welcome.' });
      expect(set.cookies).toMatchObject([{ name: 'sid', maxAge: GUEST_TTL }]);
      expect((await visitor.get('/flash')).body).toEqual({ notice: 'Welcome.' });
      expect((await visitor.get('/flash')).body).toEqual({ notice: null });
      expect((await visitor.get('/cart')).body).toMatchObject({ guest: true, userId: null });
    });

    it('carries a flash set after logout() to the next request, in a guest session', async () => {
      const alice = client();
      await alice.post('/sign-in', { userId: 'alice' });
      const userToken = alice.jar.get('sid');
      const out = await alice.post('/sign-out');
      expect(out.status).toBe(204);
      expect(alice.jar.get('sid')).toBeDefined();
      expect(alice.jar.get('sid')).not.toBe(userToken);
      expect(await store.listForUser('alice')).toEqual([]);
      expect((await alice.get('/flash')).body).toEqual({ notice: 'You are signed out.' });
      expect((await alice.get('/cart')).body).toMatchObject({ guest: true, userId: null });
    });
  });

  describe('@RequireFresh()', () => {
    it('passes right after sign-in, answers 403 REAUTHENTICATION_REQUIRED later, and passes after reauthenticate()', async () => {
      const alice = client();
      await alice.post('/sign-in', { userId: 'alice' });
      expect((await alice.post('/account/password')).body).toEqual({ changed: true });

      clock.advance(11 * 60);
      const stale = await alice.post('/account/password');
      expect(stale.status).toBe(403);
      expect(stale.body).toEqual(errorBody('REAUTHENTICATION_REQUIRED'));
      expect(stale.headers.get('vary')).toMatch(/\bCookie\b/i);
      expect((await alice.get('/account')).status).toBe(200); // still signed in

      const oldToken = alice.jar.get('sid');
      const reauthenticated = await alice.post('/reauthenticate');
      expect(reauthenticated.cookies).toMatchObject([{ name: 'sid', maxAge: expect.any(Number) }]);
      expect(alice.jar.get('sid')).not.toBe(oldToken);
      expect((await alice.post('/account/password')).body).toEqual({ changed: true });

      const replay = client();
      replay.jar.set('sid', oldToken ?? '');
      expect((await replay.get('/account')).status).toBe(401); // the token before reauthenticate() is dead
    });

    it('answers 401 to anonymous and guest requests', async () => {
      const visitor = client();
      expect((await visitor.post('/account/password')).status).toBe(401);
      await visitor.post('/cart', { item: 'book' });
      const guest = await visitor.post('/account/password');
      expect(guest.status).toBe(401);
      expect(guest.body).toEqual(errorBody('UNAUTHENTICATED'));
      expect((await visitor.get('/admin')).status).toBe(401);
    });

    it('applies a controller-level maxAge, overridden by a route, without a global guard', async () => {
      const alice = client();
      await alice.post('/sign-in', { userId: 'alice' });
      expect((await alice.get('/admin/keys')).status).toBe(200);
      clock.advance(6 * 60);
      expect((await alice.get('/admin')).body).toEqual({ userId: 'alice' });
      const keys = await alice.get('/admin/keys');
      expect(keys.status).toBe(403);
      expect(keys.body).toEqual(errorBody('REAUTHENTICATION_REQUIRED'));
      clock.advance(55 * 60);
      expect((await alice.get('/admin')).status).toBe(403);
    });

    it('checks a route of a @Public() controller', async () => {
      const visitor = client();
      expect((await visitor.get('/public')).body).toEqual({ open: true });
      expect((await visitor.get('/public/fresh')).status).toBe(401);
      await visitor.post('/sign-in', { userId: 'alice' });
      expect((await visitor.get('/public/fresh')).body).toEqual({ fresh: true });
      clock.advance(11 * 60);
      expect((await visitor.get('/public/fresh')).status).toBe(403);
    });

    it('turns a REAUTHENTICATION_REQUIRED thrown in a handler into 403, and writes nothing', async () => {
      const alice = client();
      const signIn = await alice.post('/sign-in', { userId: 'alice' });
      clock.advance(11 * 60);
      const reply = await alice.post('/account/delete');
      expect(reply.status).toBe(403);
      expect(reply.body).toEqual(errorBody('REAUTHENTICATION_REQUIRED'));
      expect((await store.read(signIn.body.id))?.data).toEqual({ theme: 'light' });
    });
  });
});

describe.each(PLATFORMS)('SessionGuard as a global guard, with guests, on %s', (platform) => {
  const table = 'nest_feature_guard_sessions';
  let db: Kysely<any>;
  let running: RunningApp;
  let clock: FakeClock;

  beforeAll(async () => {
    ({ db } = await openCountedDb(table));
    clock = new FakeClock();
    running = await startApp(platform, {
      imports: [SessionModule.forRoot({ db, session: { tableName: table, guests: true, now: clock.now } })],
      controllers: [GuardedController, GuestCartController, PublicController],
      providers: [{ provide: APP_GUARD, useClass: SessionGuard }],
    });
  });
  afterAll(async () => {
    await running?.close();
    await db?.destroy();
  });

  it('answers 401 to a guest on routes without @Public(), and checks @RequireFresh() routes once signed in', async () => {
    const visitor = new JsonClient(running.url);
    const guest = await visitor.post('/guest/cart', { item: 'book' });
    expect(guest.cookies).toHaveLength(1); // the guest session is created after the handler
    expect((await visitor.post('/guest/cart', { item: 'pen' })).body).toEqual({
      items: ['book', 'pen'],
      guest: true,
    });
    expect((await visitor.get('/open')).body).toEqual({ authenticated: false });
    expect((await visitor.get('/closed')).status).toBe(401);
    expect((await visitor.get('/public/fresh')).status).toBe(401);
    expect((await visitor.post('/sign-in', { userId: 'carol' })).status).toBe(201);
    expect((await visitor.get('/closed')).body).toEqual({ userId: 'carol' });
    expect((await visitor.get('/public/fresh')).body).toEqual({ fresh: true });
    clock.advance(11 * 60);
    expect((await visitor.get('/public/fresh')).status).toBe(403);
    expect((await visitor.get('/closed')).status).toBe(200);
  });
});

describe('REAUTHENTICATION_REQUIRED and @RequireFresh() outside an app', () => {
  it('maps to a ForbiddenException (403) with the sess error body', () => {
    const error = toHttpException(new SessionError('REAUTHENTICATION_REQUIRED', 'Sign in again.'));
    expect(error).toBeInstanceOf(ForbiddenException);
    expect(error.getStatus()).toBe(403);
    expect(error.getResponse()).toEqual({
      error: { code: 'REAUTHENTICATION_REQUIRED', message: 'Sign in again.' },
    });
  });

  it('rejects a bad duration when the decorator is applied', () => {
    expect(() => RequireFresh('soon' as never)).toThrow(SessionError);
    expect(() => RequireFresh(-1)).toThrow(/maxAge/);
  });
});

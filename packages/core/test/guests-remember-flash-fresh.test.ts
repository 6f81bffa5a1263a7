import { countRows, forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serializeCookie, signCookieValue } from '../src/adapter.js';
import {
  type CookieOptions,
  migrateToLatest,
  SessionError,
  type SessionEvent,
  SessionManager,
  type SessionOptions,
  SessionStore,
} from '../src/index.js';
import { countingDialect, FakeClock, MemoryBrowser, MemoryPort, QueryCounter } from '../src/testing/index.js';
import { meta } from './support/fixtures.js';
import { type Outcome as Outcome_, requestsOf } from './support/requests.js';

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SECRET_A = 'a-very-long-secret-of-at-least-32-bytes!!';
const SECRET_B = 'another-very-long-secret-32-bytes-or-more';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Data = { cart?: string[]; theme?: string; coupon?: string; lang?: string; [key: string]: unknown };

type Outcome = Outcome_<Data>;
const request = requestsOf<Data>();

/** The error a synchronous call throws (fails the test when it throws nothing). */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

const sessionError = (code: string, status: number) =>
  expect.objectContaining({ name: 'SessionError', code, status });

forEachDialect((spec) => {
  const table = uniqueTableName('gst');
  const counter = new QueryCounter();
  const t = useTestDatabase(spec, { wrap: (d) => countingDialect(d, counter), sessionTables: [table] });
  let clock: FakeClock;
  let events: SessionEvent[];

  const store = (options: SessionOptions = {}, cookie: CookieOptions = {}) =>
    new SessionStore(
      t.db,
      { tableName: table, now: clock.now, onEvent: (e) => void events.push(e), ...options },
      cookie,
    );
  const guestStore = (options: SessionOptions = {}) => store({ guests: true, ...options });
  const rowCount = () => countRows(t.db, table);
  const rawRow = async (id: string) =>
    (await t.db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst()) as
      | Record<string, unknown>
      | undefined;
  const browser = () =>
    new MemoryBrowser({
      headers: { 'user-agent': CHROME_MAC, 'accept-language': 'en' },
      remoteAddress: '198.51.100.10',
    });
  const idOf = (o: Outcome) => o.manager.current()?.id as string;
  const lastCookie = (o: Outcome) => o.port.cookies.at(-1);

  beforeAll(async () => {
    await migrateToLatest(t.db, { tableName: table });
  });
  beforeEach(async () => {
    clock = new FakeClock('2030-01-01T00:00:00.000Z');
    events = [];
    await t.db.deleteFrom(table).execute();
    counter.reset();
  });

  describe('guest sessions', () => {
    it('are off by default: set(), remove() and flash() on an anonymous request answer UNAUTHENTICATED (401) and write no row', async () => {
      const r = await request(browser(), store(), (m) => {
        expect(thrownBy(() => m.set('cart', ['book']))).toEqual(sessionError('UNAUTHENTICATED', 401));
        expect(thrownBy(() => m.remove('cart'))).toEqual(sessionError('UNAUTHENTICATED', 401));
        expect(thrownBy(() => m.flash('notice', 'hi'))).toEqual(sessionError('UNAUTHENTICATED', 401));
      });
      expect(r.port.cookies).toEqual([]);
      expect(counter.log).toEqual([]);
      expect(await rowCount()).toBe(0);
    });

    it('with guests on, set() on an anonymous request creates one guest session and its cookie after the handler', async () => {
      const s = guestStore();
      const b = browser();
      const r = await request(b, s, async (m) => {
        m.set('cart', ['book']);
        expect(m.get('cart')).toEqual(['book']);
        expect(m.current()).toBeNull(); // born after the handler, in one insert
        expect(await rowCount()).toBe(0);
      });
      expect(r.commitError).toBeUndefined();
      expect(counter.writes).toBe(1);
      expect(await rowCount()).toBe(1);
      expect(r.manager.isGuest).toBe(true);
      expect(r.manager.isAuthenticated).toBe(false);
      expect(r.manager.userId).toBeNull();
      expect(r.manager.authenticatedAt).toBeNull();
      const session = r.manager.current();
      expect(session).toMatchObject({ userId: null, data: { cart: ['book'] }, authenticatedAt: null });
      expect(r.port.cookies).toHaveLength(1);
      expect(lastCookie(r)?.value).toMatch(/^[0-9a-f]{64}$/);
      expect(b.jar.get('_session')).toBe(lastCookie(r)?.value);
      expect(r.port.headers['Cache-Control']).toBe('private, no-store');
      const row = await rawRow(session?.id as string);
      expect(row?.user_id).toBe('');
      expect(row?.authenticated_at).toBeNull();
      expect(await s.read(session?.id as string)).toMatchObject({ userId: null, data: { cart: ['book'] } });
      // The next request of that browser is the guest, with its data.
      counter.reset();
      const next = await request(b, s, (m) => {
        expect(m.isGuest).toBe(true);
        expect(m.get('cart')).toEqual(['book']);
      });
      expect(idOf(next)).toBe(session?.id);
      expect(counter.writes).toBe(0);
    });

    it('a request whose cookie opened nothing (expired) that sets data gets a new guest session and its cookie, not a clearing one', async () => {
      const s = guestStore({ ttl: '1d' });
      const b = browser();
      const old = idOf(await request(b, s, (m) => m.authenticate('alice', { theme: 'dark' })));
      const oldCookie = b.jar.get('_session');
      clock.advance('2d');
      const r = await request(b, s, (m) => {
        expect(m.userId).toBeNull();
        expect(m.rejection).not.toBeNull();
        m.set('cart', ['book']);
      });
      expect(r.manager.isGuest).toBe(true);
      expect(r.manager.current()?.data).toEqual({ cart: ['book'] });
      expect(idOf(r)).not.toBe(old);
      expect(r.port.cookies).toHaveLength(1);
      expect(lastCookie(r)?.value).toMatch(/^[0-9a-f]{64}$/);
      expect(lastCookie(r)?.value).not.toBe(oldCookie);
      expect((await request(b, s)).manager.get('cart')).toEqual(['book']);
    });

    it('creates no guest session when the handler fails, or when the request sets and removes the same key', async () => {
      const s = guestStore();
      const failed = browser();
      await expect(
        request(failed, s, (m) => {
          m.set('cart', ['book']);
          throw new Error('handler failed');
        }),
      ).rejects.toThrow('handler failed');
      expect(failed.jar.size).toBe(0);
      const undone = browser();
      const r = await request(undone, s, (m) => {
        m.set('cart', ['book']);
        m.remove('cart');
      });
      expect(r.port.cookies).toEqual([]);
      expect(r.manager.isGuest).toBe(false);
      const removedOnly = await request(browser(), s, (m) => m.remove('cart'));
      expect(removedOnly.port.cookies).toEqual([]);
      expect(await rowCount()).toBe(0);
    });

    it('guest → user: authenticate keeps the guest data and gives a new token', async () => {
      const s = guestStore();
      const b = browser();
      const guest = await request(b, s, (m) => m.set('cart', ['book']));
      const guestCookie = b.jar.get('_session');
      const r = await request(b, s, (m) => m.authenticate('alice', { theme: 'dark' }));
      expect(b.jar.get('_session')).toMatch(/^[0-9a-f]{64}$/);
      expect(b.jar.get('_session')).not.toBe(guestCookie);
      expect(idOf(r)).not.toBe(idOf(guest));
      expect(r.manager.current()).toMatchObject({
        userId: 'alice',
        data: { cart: ['book'], theme: 'dark' },
      });
      expect(r.manager.isGuest).toBe(false);
      expect(r.manager.isAuthenticated).toBe(true);
      const next = await request(b, s);
      expect(next.manager.userId).toBe('alice');
      expect(next.manager.get('cart')).toEqual(['book']);
      expect(await s.read(idOf(r))).toMatchObject({
        userId: 'alice',
        data: { cart: ['book'], theme: 'dark' },
      });
      expect(await rowCount()).toBe(1);
    });

    it('the guest token is dead after sign-in: the old guest cookie opens nothing (rejection replaced, cookie left alone)', async () => {
      const s = guestStore();
      const b = browser();
      await request(b, s, (m) => m.set('cart', ['book']));
      const guestCookie = b.jar.get('_session') as string;
      await request(b, s, (m) => m.authenticate('alice', { theme: 'dark' }));
      clock.advance('1m');
      const replay = await request(browser(), s, () => {}, { cookies: { _session: guestCookie } });
      expect(replay.manager.current()).toBeNull();
      expect(replay.manager.userId).toBeNull();
      expect(replay.manager.isGuest).toBe(false);
      expect(replay.manager.isAuthenticated).toBe(false);
      expect(replay.manager.get('cart')).toBeUndefined();
      expect(replay.manager.get('theme')).toBeUndefined();
      // Known as the token the sign-in replaced: a tab's request in flight with it must not clear the new cookie.
      expect(replay.manager.rejection).toBe('replaced');
      expect(replay.port.cookies).toEqual([]);
      // With guests on, such a request that sets data starts a new, empty guest session: never the user's.
      const again = await request(browser(), s, (m) => m.set('lang', 'fr'), {
        cookies: { _session: guestCookie },
      });
      expect(again.manager.isGuest).toBe(true);
      expect(again.manager.current()?.data).toEqual({ lang: 'fr' });
      // Once the user's session rotates again, the guest token is not even known as replaced.
      await request(b, s, (m) => m.reauthenticate());
      const later = await request(browser(), s, () => {}, { cookies: { _session: guestCookie } });
      expect(later.manager.current()).toBeNull();
      expect(later.manager.rejection).toBe('not_found');
    });

    it('the guest row is gone after sign-in', async () => {
      const s = guestStore();
      const b = browser();
      const guestId = idOf(await request(b, s, (m) => m.set('cart', ['book'])));
      expect(await s.read(guestId)).not.toBeNull();
      const user = await request(b, s, (m) => m.authenticate('alice'));
      expect(await s.read(guestId)).toBeNull();
      expect((await t.db.selectFrom(table).select('id').execute()).map((r) => r.id)).toEqual([idOf(user)]);
    });

    it('signs in a guest whose row was deleted meanwhile (cleanup), carrying the data the request loaded', async () => {
      const s = guestStore();
      const b = browser();
      const guestId = idOf(await request(b, s, (m) => m.set('cart', ['book'])));
      events = [];
      const r = await request(b, s, async (m) => {
        expect(m.isGuest).toBe(true);
        await s.destroy(guestId, 'admin');
        await m.authenticate('alice');
      });
      expect(r.commitError).toBeUndefined();
      expect((await s.read(idOf(r)))?.data).toEqual({ cart: ['book'] });
      expect(await rowCount()).toBe(1);
      expect(events.find((e) => e.type === 'created')).toMatchObject({ userId: 'alice', upgradedFrom: null });
    });

    it('calls the merge hook with (guestData, data) and stores what it returns', async () => {
      const s = guestStore();
      const b = browser();
      await request(b, s, (m) => {
        m.set('cart', ['book']);
        m.set('lang', 'fr');
      });
      const calls: unknown[][] = [];
      const r = await request(b, s, (m) =>
        m.authenticate(
          'alice',
          { cart: ['pen'], theme: 'dark' },
          {
            merge: (guestData, data) => {
              calls.push([guestData, data]);
              return {
                cart: [...(guestData.cart ?? []), ...(data.cart ?? [])],
                theme: data.theme ?? 'light',
              };
            },
          },
        ),
      );
      expect(calls).toEqual([
        [
          { cart: ['book'], lang: 'fr' },
          { cart: ['pen'], theme: 'dark' },
        ],
      ]);
      expect(r.manager.current()?.data).toEqual({ cart: ['book', 'pen'], theme: 'dark' });
      expect((await s.read(idOf(r)))?.data).toEqual({ cart: ['book', 'pen'], theme: 'dark' });
    });

    it('a merge hook that returns data that is not JSON fails the sign-in with INVALID_DATA and keeps the guest', async () => {
      const s = guestStore();
      const b = browser();
      const guestId = idOf(await request(b, s, (m) => m.set('cart', ['book'])));
      const guestCookie = b.jar.get('_session');
      await request(b, s, async (m) => {
        await expect(
          m.authenticate('alice', {}, { merge: (g) => ({ ...g, when: new Date() }) as Data }),
        ).rejects.toMatchObject({ code: 'INVALID_DATA' });
        expect(m.isGuest).toBe(true);
      });
      expect(b.jar.get('_session')).toBe(guestCookie);
      expect(await s.listForUser('alice')).toEqual([]);
      expect((await s.read(guestId))?.data).toEqual({ cart: ['book'] });
    });

    it('without a merge hook, the data given to authenticate wins key by key', async () => {
      const s = guestStore();
      const b = browser();
      await request(b, s, (m) => {
        m.set('cart', ['book']);
        m.set('theme', 'light');
        m.set('lang', 'fr');
      });
      const r = await request(b, s, (m) => m.authenticate('alice', { theme: 'dark', coupon: 'X1' }));
      expect((await s.read(idOf(r)))?.data).toEqual({
        cart: ['book'],
        theme: 'dark',
        lang: 'fr',
        coupon: 'X1',
      });
    });

    it("carries over this request's pending set() and remove() made before authenticate(), on a guest session", async () => {
      const s = guestStore();
      const b = browser();
      await request(b, s, (m) => {
        m.set('cart', ['book']);
        m.set('lang', 'fr');
      });
      const r = await request(b, s, async (m) => {
        m.set('coupon', 'X1');
        m.remove('lang');
        await m.authenticate('alice');
      });
      expect((await s.read(idOf(r)))?.data).toEqual({ cart: ['book'], coupon: 'X1' });
      expect(await rowCount()).toBe(1);
    });

    it('carries over set() made before authenticate() on an anonymous request, without ever writing a guest row', async () => {
      const s = guestStore();
      const b = browser();
      const merged: unknown[] = [];
      const r = await request(b, s, async (m) => {
        m.set('cart', ['book']);
        await m.authenticate(
          'alice',
          { theme: 'dark' },
          {
            merge: (guestData, data) => {
              merged.push(guestData);
              return { ...guestData, ...data };
            },
          },
        );
      });
      expect(merged).toEqual([{ cart: ['book'] }]);
      expect((await s.read(idOf(r)))?.data).toEqual({ cart: ['book'], theme: 'dark' });
      expect(await rowCount()).toBe(1);
      expect(events.filter((e) => e.type === 'created')).toMatchObject([
        { userId: 'alice', guest: false, upgradedFrom: null },
      ]);
    });

    it("does not carry a signed-in user's data to the next sign-in (session fixation), with guests on or off", async () => {
      for (const s of [store(), guestStore()]) {
        const b = browser();
        const alice = await request(b, s, (m) => m.authenticate('alice', { theme: 'dark' }));
        await request(b, s, (m) => m.set('cart', ['private']));
        let mergeCalled = false;
        const bob = await request(b, s, (m) =>
          m.authenticate(
            'bob',
            { lang: 'de' },
            {
              merge: (g, d) => {
                mergeCalled = true;
                return { ...g, ...d };
              },
            },
          ),
        );
        expect(mergeCalled).toBe(false);
        expect(bob.manager.current()?.data).toEqual({ lang: 'de' });
        expect((await s.read(idOf(bob)))?.data).toEqual({ lang: 'de' });
        expect(await s.read(idOf(alice))).toBeNull();
        await t.db.deleteFrom(table).execute();
      }
    });

    it("never appears in any user's listForUser or listMySessions", async () => {
      const s = guestStore();
      const guests: string[] = [];
      for (let i = 0; i < 3; i++)
        guests.push(idOf(await request(browser(), s, (m) => m.set('cart', [`g${i}`]))));
      const b = browser();
      const alice = await request(b, s, (m) => m.authenticate('alice'));
      await s.create(meta(), 'bob');
      expect((await s.listForUser('alice')).map((x) => x.id)).toEqual([idOf(alice)]);
      expect((await s.listForUser('bob')).map((x) => x.userId)).toEqual(['bob']);
      await request(b, s, async (m) => {
        expect((await m.listMySessions()).map((x) => x.id)).toEqual([idOf(alice)]);
      });
      // No user id can name the guests' rows.
      await expect(s.listForUser('')).rejects.toMatchObject({ code: 'INVALID_DATA' });
      for (const id of guests) expect((await s.read(id))?.userId).toBeNull();
      expect(await rowCount()).toBe(5);
    });

    it('does not count toward maxSessionsPerUser: with a cap of 2, five guests survive three sign-ins and the cap still evicts the oldest', async () => {
      const s = guestStore({ maxSessionsPerUser: 2 });
      const guestBrowsers: { b: MemoryBrowser; id: string }[] = [];
      for (let i = 0; i < 5; i++) {
        const b = browser();
        clock.advance(1);
        guestBrowsers.push({ b, id: idOf(await request(b, s, (m) => m.set('cart', [`g${i}`]))) });
      }
      const signIns: string[] = [];
      const devices: MemoryBrowser[] = [];
      for (let i = 0; i < 3; i++) {
        clock.advance(1);
        const device = browser();
        devices.push(device);
        signIns.push(idOf(await request(device, s, (m) => m.authenticate('alice'))));
      }
      expect((await s.listForUser('alice')).map((x) => x.id)).toEqual([signIns[2], signIns[1]]);
      expect(await s.read(signIns[0] as string)).toBeNull();
      // The evicted device was signed out elsewhere.
      expect((await request(devices[0] as MemoryBrowser, s)).manager.rejection).toBe('not_found');
      for (const [i, { b, id }] of guestBrowsers.entries()) {
        const r = await request(b, s);
        expect(idOf(r)).toBe(id);
        expect(r.manager.get('cart')).toEqual([`g${i}`]);
      }
      // A guest who signs in counts from then on: alice keeps 2, the guest's row becomes one of them.
      clock.advance(1);
      const upgraded = await request(guestBrowsers[0]?.b as MemoryBrowser, s, (m) => m.authenticate('alice'));
      expect((await s.listForUser('alice')).map((x) => x.id)).toEqual([idOf(upgraded), signIns[2]]);
      expect(await rowCount()).toBe(4 + 2);
    });

    it('lives guestTtl, sliding: expires at now + guestTtl, a touch extends it by guestTtl, anonymous after guestTtl idle', async () => {
      const s = guestStore({ ttl: '30d', guestTtl: '2h', touchInterval: '5m' });
      const b = browser();
      const created = await request(b, s, (m) => m.set('cart', ['book']));
      const id = idOf(created);
      const start = clock.now().getTime();
      expect((await s.read(id))?.expiresAt.getTime()).toBe(start + 2 * HOUR);
      expect(lastCookie(created)?.attributes).toMatchObject({
        maxAge: 7200,
        expires: new Date(start + 2 * HOUR),
      });
      clock.advance('1h');
      counter.reset();
      const touched = await request(b, s);
      expect(counter.writes).toBe(1);
      expect((await s.read(id))?.expiresAt.getTime()).toBe(clock.now().getTime() + 2 * HOUR);
      expect(lastCookie(touched)?.attributes.maxAge).toBe(7200);
      clock.advance(2 * 3600 - 1); // one second short of guestTtl since the touch
      expect((await request(b, s)).manager.get('cart')).toEqual(['book']);
      clock.advance('2h');
      const late = await request(b, s);
      expect(late.manager.current()).toBeNull();
      expect(late.manager.isGuest).toBe(false);
      expect(late.manager.get('cart')).toBeUndefined();
      expect(late.manager.rejection).not.toBeNull();
      // A user session of the same store lives ttl.
      const u = browser();
      await request(u, s, (m) => m.authenticate('alice'));
      clock.advance('3h');
      expect((await request(u, s)).manager.userId).toBe('alice');
    });

    it('a guestTtl shortened since the row was written applies at once', async () => {
      const b = browser();
      await request(b, guestStore({ guestTtl: '7d' }), (m) => m.set('cart', ['book']));
      clock.advance('3h');
      // Still live by its row (a read-only view does not touch it)...
      const view = await SessionManager.load(guestStore({ guestTtl: '7d' }), b.next(), { readOnly: true });
      expect(view.isGuest).toBe(true);
      // ...but idle longer than the guestTtl now in force.
      const r = await request(b, guestStore({ guestTtl: '1h' }));
      expect(r.manager.isGuest).toBe(false);
      expect(r.manager.rejection).toBe('expired');
    });

    it('cleanupExpired removes expired guest rows and keeps live ones', async () => {
      const s = guestStore({ guestTtl: '2h' });
      const old = idOf(await request(browser(), s, (m) => m.set('cart', ['old'])));
      clock.advance('90m');
      const recent = idOf(await request(browser(), s, (m) => m.set('cart', ['recent'])));
      clock.advance('31m');
      events = [];
      expect(await s.cleanupExpired()).toBe(1);
      expect(await s.read(old)).toBeNull();
      expect(await s.read(recent)).not.toBeNull();
      expect(events).toMatchObject([
        { type: 'destroyed', reason: 'expiry_cleanup', sessionId: old, userId: null },
      ]);
    });

    it('10,000 anonymous requests without set() write 0 rows and make no query', async () => {
      const s = guestStore();
      const headers = { 'user-agent': CHROME_MAC, 'accept-language': 'en' };
      let cleared = 0;
      for (let i = 0; i < 10_000; i++) {
        // Every 100th request carries a cookie that does not parse (a bot replaying junk): still no query.
        const port = new MemoryPort({
          headers,
          remoteAddress: '198.51.100.10',
          cookies: i % 100 === 0 ? { _session: `junk-${i}` } : {},
        });
        const m = new SessionManager<Data>(s, port);
        await m.load();
        if (m.get('cart') !== undefined) throw new Error('an anonymous request has data');
        if (m.takeFlash('notice') !== undefined || m.peekFlash('notice') !== undefined)
          throw new Error('an anonymous request has a flash');
        if (m.isGuest || m.isAuthenticated || m.isFresh('10m')) throw new Error('not anonymous');
        await m.commit();
        cleared += port.cookies.length;
      }
      expect(counter.log).toEqual([]);
      expect(cleared).toBe(100);
      expect(await rowCount()).toBe(0);
      expect(events.filter((e) => e.type === 'created')).toEqual([]);
    });

    it('a guest session cannot use what needs a signed-in user: logoutAll, logoutOther, revoke, rotate, listMySessions, reauthenticate, requireFresh answer UNAUTHENTICATED', async () => {
      const s = guestStore();
      const b = browser();
      const guestId = idOf(await request(b, s, (m) => m.set('cart', ['book'])));
      await s.create(meta(), 'alice');
      counter.reset();
      const r = await request(b, s, async (m) => {
        expect(m.isGuest).toBe(true);
        const unauthenticated = sessionError('UNAUTHENTICATED', 401);
        await expect(m.logoutAll()).rejects.toEqual(unauthenticated);
        await expect(m.logoutOther()).rejects.toEqual(unauthenticated);
        await expect(m.revoke(guestId)).rejects.toEqual(unauthenticated);
        await expect(m.rotate()).rejects.toEqual(unauthenticated);
        await expect(m.listMySessions()).rejects.toEqual(unauthenticated);
        await expect(m.reauthenticate()).rejects.toEqual(unauthenticated);
        expect(thrownBy(() => m.requireFresh('10m'))).toEqual(unauthenticated);
        expect(m.isFresh('10m')).toBe(false);
      });
      expect(counter.writes).toBe(0);
      expect(r.port.cookies).toEqual([]);
      expect(await rowCount()).toBe(2);
      expect((await request(b, s)).manager.get('cart')).toEqual(['book']);
    });

    it('logout() on a guest session deletes it and clears the cookie', async () => {
      const s = guestStore();
      const b = browser();
      const guestId = idOf(await request(b, s, (m) => m.set('cart', ['book'])));
      events = [];
      const r = await request(b, s, (m) => m.logout());
      expect(r.port.cookies).toMatchObject([{ name: '_session', value: '', attributes: { maxAge: 0 } }]);
      expect(b.jar.size).toBe(0);
      expect(await s.read(guestId)).toBeNull();
      expect(await rowCount()).toBe(0);
      expect(events).toMatchObject([
        { type: 'destroyed', reason: 'logout', sessionId: guestId, userId: null },
      ]);
    });

    it('events: created says guest, remembered and upgradedFrom; a sign-in from a guest destroys the guest with reason authenticate', async () => {
      const s = guestStore();
      const b = browser();
      const guestId = idOf(await request(b, s, (m) => m.set('cart', ['book'])));
      expect(events).toEqual([
        expect.objectContaining({
          type: 'created',
          sessionId: guestId,
          userId: null,
          guest: true,
          remembered: true,
          upgradedFrom: null,
        }),
      ]);
      events = [];
      const alice = idOf(await request(b, s, (m) => m.authenticate('alice', {}, { remember: false })));
      expect(events).toHaveLength(2);
      expect(events).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            type: 'destroyed',
            reason: 'authenticate',
            sessionId: guestId,
            userId: null,
          }),
          expect.objectContaining({
            type: 'created',
            sessionId: alice,
            userId: 'alice',
            guest: false,
            remembered: false,
            upgradedFrom: guestId,
          }),
        ]),
      );
      events = [];
      // Signing in again over a user's session: not an upgrade from a guest.
      const bob = idOf(await request(b, s, (m) => m.authenticate('bob')));
      expect(events).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            type: 'destroyed',
            reason: 'authenticate',
            sessionId: alice,
            userId: 'alice',
          }),
          expect.objectContaining({
            type: 'created',
            sessionId: bob,
            userId: 'bob',
            guest: false,
            remembered: true,
            upgradedFrom: null,
          }),
        ]),
      );
    });
  });

  describe('remember me', () => {
    it('a default sign-in sets a persistent cookie: Max-Age and Expires match the row', async () => {
      const s = store({ ttl: '30d' });
      const r = await request(browser(), s, (m) => m.authenticate('alice'));
      const row = await s.read(idOf(r));
      expect(row?.remembered).toBe(true);
      expect(row?.expiresAt.getTime()).toBe(clock.now().getTime() + 30 * DAY);
      expect(lastCookie(r)?.attributes).toMatchObject({ maxAge: 30 * 86_400, expires: row?.expiresAt });
      const header = r.port.setCookieHeaders()[0] as string;
      expect(header).toMatch(/; Max-Age=2592000(;|$)/);
      expect(header).toMatch(/; Expires=/);
    });

    it('remember: false sets a browser-session cookie with no Max-Age and no Expires', async () => {
      const s = store();
      const r = await request(browser(), s, (m) => m.authenticate('alice', {}, { remember: false }));
      const cookie = lastCookie(r);
      expect(cookie?.value).toMatch(/^[0-9a-f]{64}$/);
      expect(cookie?.attributes.maxAge).toBeUndefined();
      expect(cookie?.attributes.expires).toBeUndefined();
      expect(cookie?.attributes).toMatchObject({ path: '/', httpOnly: true });
      for (const header of [
        serializeCookie('_session', cookie?.value as string, cookie?.attributes as never),
        ...r.port.setCookieHeaders(),
      ]) {
        expect(header).not.toMatch(/max-age/i);
        expect(header).not.toMatch(/expires/i);
        expect(header).toMatch(/HttpOnly/);
      }
      expect(r.manager.current()?.remembered).toBe(false);
    });

    it('the row of a remember: false sign-in expires at now + browserSessionTtl (1 day by default)', async () => {
      const short = store({ ttl: '30d', browserSessionTtl: '12h' });
      const a = await request(browser(), short, (m) => m.authenticate('alice', {}, { remember: false }));
      expect(await short.read(idOf(a))).toMatchObject({
        remembered: false,
        expiresAt: new Date(clock.now().getTime() + 12 * HOUR),
      });
      expect((await rawRow(idOf(a)))?.remembered).toSatisfy((v) => Number(v) === 0);
      const byDefault = store({ ttl: '30d' });
      const b = await request(browser(), byDefault, (m) => m.authenticate('bob', {}, { remember: false }));
      expect((await byDefault.read(idOf(b)))?.expiresAt.getTime()).toBe(clock.now().getTime() + DAY);
      // A store whose ttl is shorter than a day: browserSessionTtl defaults to ttl.
      const tight = store({ ttl: '2h' });
      const c = await request(browser(), tight, (m) => m.authenticate('carol', {}, { remember: false }));
      expect((await tight.read(idOf(c)))?.expiresAt.getTime()).toBe(clock.now().getTime() + 2 * HOUR);
    });

    it('a guest who signs in with remember: false gets a browser-session cookie and keeps the cart', async () => {
      const s = guestStore({ browserSessionTtl: '12h' });
      const b = browser();
      await request(b, s, (m) => m.set('cart', ['book']));
      const r = await request(b, s, (m) => m.authenticate('alice', {}, { remember: false }));
      expect(lastCookie(r)?.attributes.maxAge).toBeUndefined();
      expect(lastCookie(r)?.attributes.expires).toBeUndefined();
      expect(await s.read(idOf(r))).toMatchObject({
        remembered: false,
        data: { cart: ['book'] },
        expiresAt: new Date(clock.now().getTime() + 12 * HOUR),
      });
    });

    it('store.create takes remember: false, and refuses a remember that is not a boolean', async () => {
      const s = store({ browserSessionTtl: '6h' });
      const { session, token } = await s.create(meta(), 'alice', {}, { remember: false });
      expect(session.remembered).toBe(false);
      expect(session.expiresAt.getTime()).toBe(clock.now().getTime() + 6 * HOUR);
      expect((await s.readByToken(token))?.remembered).toBe(false);
      await expect(s.create(meta(), 'bob', {}, { remember: 'no' as never })).rejects.toMatchObject({
        code: 'INVALID_DATA',
      });
      expect(await rowCount()).toBe(1);
    });

    it('a due touch slides it by browserSessionTtl and re-sends the cookie still without Max-Age or Expires', async () => {
      const s = store({ ttl: '30d', browserSessionTtl: '12h', touchInterval: '5m' });
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice', {}, { remember: false }));
      const cookie = b.jar.get('_session');
      clock.advance('6m');
      counter.reset();
      const r = await request(b, s);
      expect(counter.writes).toBe(1);
      expect(r.port.cookies).toHaveLength(1);
      expect(lastCookie(r)?.value).toBe(cookie);
      expect(lastCookie(r)?.attributes.maxAge).toBeUndefined();
      expect(lastCookie(r)?.attributes.expires).toBeUndefined();
      expect(r.port.setCookieHeaders()[0]).not.toMatch(/max-age|expires/i);
      expect((await s.read(idOf(r)))?.expiresAt.getTime()).toBe(clock.now().getTime() + 12 * HOUR);
      // The same with a data change in the same write.
      clock.advance('6m');
      const changed = await request(b, s, (m) => m.set('theme', 'dark'));
      expect(lastCookie(changed)?.attributes.maxAge).toBeUndefined();
      expect((await s.read(idOf(r)))?.expiresAt.getTime()).toBe(clock.now().getTime() + 12 * HOUR);
    });

    it('rotate() and reauthenticate() keep it a browser-session cookie; on a remembered session they keep Max-Age', async () => {
      const s = store({ browserSessionTtl: '12h' });
      const brief = browser();
      await request(brief, s, (m) => m.authenticate('alice', {}, { remember: false }));
      const rotated = await request(brief, s, (m) => m.rotate());
      expect(lastCookie(rotated)?.attributes.maxAge).toBeUndefined();
      expect(lastCookie(rotated)?.attributes.expires).toBeUndefined();
      const reauthenticated = await request(brief, s, (m) => m.reauthenticate());
      expect(lastCookie(reauthenticated)?.attributes.maxAge).toBeUndefined();
      expect(lastCookie(reauthenticated)?.attributes.expires).toBeUndefined();
      expect(reauthenticated.port.setCookieHeaders().join('\n')).not.toMatch(/max-age|expires/i);
      expect((await s.read(idOf(reauthenticated)))?.remembered).toBe(false);
      expect((await request(brief, s)).manager.userId).toBe('alice');

      const remembered = browser();
      await request(remembered, s, (m) => m.authenticate('bob'));
      const r = await request(remembered, s, (m) => m.rotate());
      expect(lastCookie(r)?.attributes.maxAge).toBeGreaterThan(0);
      const r2 = await request(remembered, s, (m) => m.reauthenticate());
      expect(lastCookie(r2)?.attributes.maxAge).toBeGreaterThan(0);
      expect(lastCookie(r2)?.attributes.expires).toEqual((await s.read(idOf(r2)))?.expiresAt);
    });

    it('a browser-session cookie signed again with a newer secret stays a browser-session cookie', async () => {
      const b = browser();
      await request(b, store({}, { secret: SECRET_A }), (m) =>
        m.authenticate('alice', {}, { remember: false }),
      );
      const token = (b.jar.get('_session') as string).split('.')[0] as string;
      const r = await request(b, store({}, { secret: [SECRET_B, SECRET_A] }));
      expect(r.manager.userId).toBe('alice');
      expect(r.port.cookies).toHaveLength(1);
      expect(lastCookie(r)?.value).toBe(signCookieValue(token, SECRET_B));
      expect(lastCookie(r)?.attributes.maxAge).toBeUndefined();
      expect(lastCookie(r)?.attributes.expires).toBeUndefined();
      // A remembered one keeps its Max-Age.
      const kept = browser();
      await request(kept, store({}, { secret: SECRET_A }), (m) => m.authenticate('bob'));
      const k = await request(kept, store({}, { secret: [SECRET_B, SECRET_A] }));
      expect(lastCookie(k)?.attributes.maxAge).toBeGreaterThan(0);
    });

    it('listMySessions and listForUser show which sessions are remembered', async () => {
      const s = store();
      const kept = browser();
      const brief = browser();
      const keptId = idOf(await request(kept, s, (m) => m.authenticate('alice')));
      clock.advance(1);
      const briefId = idOf(await request(brief, s, (m) => m.authenticate('alice', {}, { remember: false })));
      await request(kept, s, async (m) => {
        expect((await m.listMySessions()).map((x) => [x.id, x.remembered, x.current])).toEqual([
          [briefId, false, false],
          [keptId, true, true],
        ]);
      });
      expect((await s.listForUser('alice')).map((x) => x.remembered)).toEqual([false, true]);
    });

    it('a browser-session sign-in is anonymous after browserSessionTtl idle, while a remembered one lives on', async () => {
      const s = store({ ttl: '30d', browserSessionTtl: '12h' });
      const kept = browser();
      const brief = browser();
      await request(kept, s, (m) => m.authenticate('alice'));
      await request(brief, s, (m) => m.authenticate('alice', {}, { remember: false }));
      clock.advance(12 * 3600 - 1);
      expect((await request(brief, s)).manager.userId).toBe('alice'); // touched: 12h from now
      clock.advance('12h');
      const late = await request(brief, s);
      expect(late.manager.userId).toBeNull();
      expect(late.manager.current()).toBeNull();
      expect((await request(kept, s)).manager.userId).toBe('alice');
    });

    it('a browserSessionTtl shortened since the row was written applies at once', async () => {
      const b = browser();
      await request(b, store({ browserSessionTtl: '1d' }), (m) =>
        m.authenticate('alice', {}, { remember: false }),
      );
      clock.advance('2h');
      const r = await request(b, store({ browserSessionTtl: '1h' }));
      expect(r.manager.userId).toBeNull();
      expect(r.manager.rejection).toBe('expired');
    });

    it('validates browserSessionTtl and guestTtl: at most ttl, longer than touchInterval, guests a boolean', () => {
      for (const field of ['browserSessionTtl', 'guestTtl'] as const) {
        const tooLong = thrownBy(() => store({ ttl: '1d', [field]: '2d' }));
        expect(tooLong).toBeInstanceOf(SessionError);
        expect(tooLong).toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining(field) });
        for (const value of ['5m', '4m']) {
          expect(thrownBy(() => store({ ttl: '1d', touchInterval: '5m', [field]: value }))).toMatchObject({
            code: 'INVALID_CONFIG',
            message: expect.stringContaining(field),
          });
        }
        expect(() => store({ ttl: '1d', touchInterval: '5m', [field]: '6m' })).not.toThrow();
        expect(() => store({ ttl: '1d', [field]: '1d' })).not.toThrow();
      }
      expect(thrownBy(() => store({ guests: 'yes' as never }))).toMatchObject({
        code: 'INVALID_CONFIG',
        message: expect.stringContaining('guests'),
      });
      expect(store().config).toMatchObject({ guests: false, guestTtlMs: 7 * DAY, browserSessionTtlMs: DAY });
      expect(store({ ttl: '2h' }).config).toMatchObject({
        guestTtlMs: 2 * HOUR,
        browserSessionTtlMs: 2 * HOUR,
      });
    });
  });

  describe('flash messages', () => {
    const signedIn = async (s: SessionStore, b = browser()) => {
      await request(b, s, (m) => m.authenticate('alice', { theme: 'dark' }));
      return b;
    };

    it('a flash set in one request is read exactly once, by takeFlash in the next', async () => {
      const s = store();
      const b = await signedIn(s);
      const set = await request(b, s, (m) => {
        m.flash('notice', 'Saved');
        expect(m.peekFlash('notice')).toBe('Saved');
      });
      expect((await s.read(idOf(set)))?.data).toEqual({ theme: 'dark', __flash: { notice: 'Saved' } });
      await request(b, s, (m) => {
        expect(m.takeFlash('notice')).toBe('Saved');
        expect(m.takeFlash('notice')).toBeUndefined();
        expect(m.peekFlash('notice')).toBeUndefined();
      });
      expect((await s.read(idOf(set)))?.data).toEqual({ theme: 'dark' });
      await request(b, s, (m) => {
        expect(m.takeFlash('notice')).toBeUndefined();
      });
    });

    it('peekFlash reads without removing', async () => {
      const s = store();
      const b = await signedIn(s);
      await request(b, s, (m) => m.flash('notice', { text: 'Saved', level: 'info' }));
      counter.reset();
      await request(b, s, (m) => {
        expect(m.peekFlash('notice')).toEqual({ text: 'Saved', level: 'info' });
        expect(m.peekFlash('notice')).toEqual({ text: 'Saved', level: 'info' });
      });
      expect(counter.writes).toBe(0);
      await request(b, s, (m) => {
        expect(m.takeFlash('notice')).toEqual({ text: 'Saved', level: 'info' });
      });
    });

    it('a request that neither sets nor takes a flash costs no write, a flash waiting or not', async () => {
      const s = store();
      const b = await signedIn(s);
      const id = idOf(await request(b, s));
      const versionOf = async () => Number((await rawRow(id))?.version);
      const before = await versionOf();
      counter.reset();
      await request(b, s, (m) => {
        expect(m.get('theme')).toBe('dark');
        expect(m.takeFlash('notice')).toBeUndefined(); // nothing to take: nothing to write
      });
      expect(counter.queries).toBe(1); // the lookup
      expect(counter.writes).toBe(0);
      expect(await versionOf()).toBe(before);
      await request(b, s, (m) => m.flash('notice', 'Saved'));
      const waiting = await versionOf();
      expect(waiting).toBe(before + 1);
      counter.reset();
      await request(b, s, (m) => {
        expect(m.get('theme')).toBe('dark');
        expect(m.takeFlash('other')).toBeUndefined();
        expect(m.peekFlash('notice')).toBe('Saved');
      });
      expect(counter.queries).toBe(1);
      expect(counter.writes).toBe(0);
      expect(await versionOf()).toBe(waiting);
    });

    it('taking a flash is written with the data, in one write', async () => {
      const s = store();
      const b = await signedIn(s);
      await request(b, s, (m) => m.flash('notice', 'Saved'));
      counter.reset();
      const r = await request(b, s, (m) => {
        expect(m.takeFlash('notice')).toBe('Saved');
        m.set('lang', 'fr');
      });
      expect(counter.writes).toBe(1);
      expect((await s.read(idOf(r)))?.data).toEqual({ theme: 'dark', lang: 'fr' });
    });

    it('taking one flash leaves the others for later', async () => {
      const s = store();
      const b = await signedIn(s);
      await request(b, s, (m) => {
        m.flash('notice', 'Saved');
        m.flash('error', 'Card declined');
      });
      await request(b, s, (m) => expect(m.takeFlash('notice')).toBe('Saved'));
      await request(b, s, (m) => {
        expect(m.takeFlash('notice')).toBeUndefined();
        expect(m.takeFlash('error')).toBe('Card declined');
      });
      const r = await request(b, s, (m) => expect(m.takeFlash('error')).toBeUndefined());
      expect((await s.read(idOf(r)))?.data).toEqual({ theme: 'dark' });
    });

    it('works on guest sessions: flash() on an anonymous request with guests on creates a guest session', async () => {
      const s = guestStore();
      const b = browser();
      const r = await request(b, s, (m) => m.flash('notice', 'Added to cart'));
      expect(r.manager.isGuest).toBe(true);
      expect(await rowCount()).toBe(1);
      const next = await request(b, s, (m) => expect(m.takeFlash('notice')).toBe('Added to cart'));
      expect(idOf(next)).toBe(idOf(r));
      await request(b, s, (m) => expect(m.takeFlash('notice')).toBeUndefined());
      expect((await s.read(idOf(r)))?.data).toEqual({});
    });

    it('flash() on an anonymous request with guests off answers UNAUTHENTICATED and writes nothing', async () => {
      await request(browser(), store(), (m) => {
        expect(thrownBy(() => m.flash('notice', 'hi'))).toEqual(sessionError('UNAUTHENTICATED', 401));
        expect(m.takeFlash('notice')).toBeUndefined();
        expect(m.peekFlash('notice')).toBeUndefined();
      });
      expect(await rowCount()).toBe(0);
    });

    it('the data key __flash is reserved: set() and remove() answer INVALID_DATA', async () => {
      const s = guestStore();
      const b = await signedIn(s);
      await request(b, s, (m) => {
        expect(thrownBy(() => m.set('__flash', { notice: 'forged' }))).toEqual(
          sessionError('INVALID_DATA', 500),
        );
        expect(thrownBy(() => m.remove('__flash'))).toEqual(sessionError('INVALID_DATA', 500));
      });
      await request(browser(), s, (m) => {
        expect(thrownBy(() => m.set('__flash', { notice: 'forged' }))).toMatchObject({
          code: 'INVALID_DATA',
        });
      });
      expect(await rowCount()).toBe(1);
      expect((await s.listForUser('alice'))[0]?.data).toEqual({ theme: 'dark' });
    });

    it('a flash that is not JSON answers INVALID_DATA', async () => {
      const s = store();
      const b = await signedIn(s);
      await request(b, s, (m) => {
        expect(thrownBy(() => m.flash('notice', () => 'fn'))).toMatchObject({ code: 'INVALID_DATA' });
        expect(thrownBy(() => m.flash('notice', undefined))).toMatchObject({ code: 'INVALID_DATA' });
      });
      expect((await s.listForUser('alice'))[0]?.data).toEqual({ theme: 'dark' });
    });

    it('a flash after logoutAll() with guests on lands in a new guest session, and the next request reads it', async () => {
      const s = guestStore();
      const here = await signedIn(s);
      const other = await signedIn(s);
      const r = await request(here, s, async (m) => {
        await m.logoutAll();
        m.flash('notice', 'Signed out everywhere');
      });
      expect(r.manager.isGuest).toBe(true);
      expect(await s.listForUser('alice')).toEqual([]);
      expect(await rowCount()).toBe(1);
      await request(here, s, (m) => {
        expect(m.isGuest).toBe(true);
        expect(m.takeFlash('notice')).toBe('Signed out everywhere');
        expect(m.get('theme')).toBeUndefined(); // the signed-out session's data stayed behind
      });
      const elsewhere = await request(other, s);
      expect(elsewhere.manager.userId).toBeNull();
      expect(elsewhere.manager.rejection).toBe('not_found');
    });

    it('a flash after logoutAll() with guests off answers UNAUTHENTICATED', async () => {
      const s = store();
      const b = await signedIn(s);
      const r = await request(b, s, async (m) => {
        await m.logoutAll();
        expect(thrownBy(() => m.flash('notice', 'Signed out everywhere'))).toMatchObject({
          code: 'UNAUTHENTICATED',
        });
      });
      expect(r.port.cookies).toMatchObject([{ value: '', attributes: { maxAge: 0 } }]);
      expect(await rowCount()).toBe(0);
    });

    it("a revoked device's cookie reports rejection not_found, and the notice can wait in a guest session", async () => {
      const s = guestStore();
      const laptop = await signedIn(s);
      const phone = await signedIn(s);
      const phoneId = idOf(await request(phone, s));
      expect((await request(phone, s)).manager.rejection).toBeNull();
      await request(laptop, s, (m) => m.revoke(phoneId));
      const revoked = await request(phone, s, (m) => {
        expect(m.rejection).toBe('not_found');
        if (m.rejection === 'not_found') m.flash('notice', 'You were signed out from another device');
      });
      expect(revoked.manager.isGuest).toBe(true);
      await request(phone, s, (m) => {
        expect(m.rejection).toBeNull();
        expect(m.takeFlash('notice')).toBe('You were signed out from another device');
      });
      expect((await request(browser(), s)).manager.rejection).toBeNull(); // no cookie, nothing to report
    });

    it('a flash survives the sign-in of a guest, and one set after authenticate() waits in the new session', async () => {
      const s = guestStore();
      const b = browser();
      await request(b, s, (m) => m.flash('notice', 'Added to cart'));
      await request(b, s, async (m) => {
        await m.authenticate('alice');
        m.flash('welcome', 'Welcome back');
      });
      await request(b, s, (m) => {
        expect(m.userId).toBe('alice');
        expect(m.takeFlash('notice')).toBe('Added to cart');
        expect(m.takeFlash('welcome')).toBe('Welcome back');
      });
      const r = await request(b, s, (m) => expect(m.peekFlash('welcome')).toBeUndefined());
      expect((await s.read(idOf(r)))?.data).toEqual({});
    });

    it('flash keys are own keys only: __proto__, constructor and toString round-trip and find nothing inherited', async () => {
      const s = store();
      const b = await signedIn(s);
      await request(b, s, (m) => {
        expect(m.takeFlash('constructor')).toBeUndefined();
        expect(m.peekFlash('toString')).toBeUndefined();
        m.flash('__proto__', 'proto');
        m.flash('constructor', 'ctor');
      });
      await request(b, s, (m) => {
        expect(m.peekFlash('toString')).toBeUndefined();
        expect(m.takeFlash('__proto__')).toBe('proto');
        expect(m.takeFlash('constructor')).toBe('ctor');
      });
      const r = await request(b, s);
      expect(r.manager.current()?.data).toEqual({ theme: 'dark' });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('a read-only view: flash() and takeFlash() answer READ_ONLY, peekFlash() works, nothing is written', async () => {
      const s = store();
      const b = await signedIn(s);
      await request(b, s, (m) => m.flash('notice', 'Saved'));
      counter.reset();
      const port = b.next();
      const view = await SessionManager.load<Data>(s, port, { readOnly: true });
      expect(view.peekFlash('notice')).toBe('Saved');
      expect(thrownBy(() => view.takeFlash('notice'))).toEqual(sessionError('READ_ONLY', 500));
      expect(thrownBy(() => view.flash('notice', 'again'))).toMatchObject({ code: 'READ_ONLY' });
      expect(view.peekFlash('notice')).toBe('Saved');
      await view.commit();
      expect(counter.writes).toBe(0);
      expect(port.cookies).toEqual([]);
      await request(b, s, (m) => expect(m.takeFlash('notice')).toBe('Saved'));
    });
  });

  describe('fresh sign-in', () => {
    it('authenticatedAt is the sign-in time, kept by later requests and touches', async () => {
      const s = store({ touchInterval: '5m' });
      const b = browser();
      const signInAt = clock.now();
      const r = await request(b, s, (m) => m.authenticate('alice'));
      expect(r.manager.authenticatedAt).toEqual(signInAt);
      expect((await s.read(idOf(r)))?.authenticatedAt).toEqual(signInAt);
      expect(Number((await rawRow(idOf(r)))?.authenticated_at)).toBe(signInAt.getTime());
      clock.advance('7m');
      const later = await request(b, s);
      expect(later.manager.authenticatedAt).toEqual(signInAt);
      expect((await s.read(idOf(r)))?.lastActiveAt).toEqual(clock.now()); // touched
      expect((await s.read(idOf(r)))?.authenticatedAt).toEqual(signInAt);
      expect((await request(browser(), s)).manager.authenticatedAt).toBeNull();
    });

    it("requireFresh('10m') passes right after sign-in, answers REAUTHENTICATION_REQUIRED (403) after 11 minutes, and passes again after reauthenticate()", async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      clock.advance('1m');
      await request(b, s, (m) => {
        expect(() => m.requireFresh('10m')).not.toThrow();
        expect(m.isFresh('10m')).toBe(true);
      });
      clock.advance('10m');
      await request(b, s, async (m) => {
        const error = thrownBy(() => m.requireFresh('10m'));
        expect(error).toBeInstanceOf(SessionError);
        expect(error).toEqual(sessionError('REAUTHENTICATION_REQUIRED', 403));
        expect((error as Error).message).toContain('10 minutes');
        expect(m.isFresh('10m')).toBe(false);
        expect(m.isFresh('1h')).toBe(true);
        await m.reauthenticate();
        expect(() => m.requireFresh('10m')).not.toThrow();
        expect(m.authenticatedAt).toEqual(clock.now());
      });
      clock.advance('9m');
      await request(b, s, (m) => expect(() => m.requireFresh('10m')).not.toThrow());
      clock.advance('2m');
      await request(b, s, (m) =>
        expect(thrownBy(() => m.requireFresh('10m'))).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' }),
      );
    });

    it('a sign-in exactly maxAge old is no longer fresh', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      clock.advance('599999ms');
      expect((await request(b, s)).manager.isFresh('10m')).toBe(true);
      clock.advance('1ms');
      expect((await request(b, s)).manager.isFresh('10m')).toBe(false);
      expect((await request(b, s)).manager.isFresh(600)).toBe(false);
    });

    it('reauthenticate rotates the token with no grace, keeps the session, its data and remember-me, and sets the cookie', async () => {
      const s = store({ rotationGrace: '30s' });
      const b = browser();
      const first = await request(b, s, (m) =>
        m.authenticate('alice', { theme: 'dark' }, { remember: false }),
      );
      const oldCookie = b.jar.get('_session') as string;
      clock.advance('20m');
      const r = await request(b, s, (m) => m.reauthenticate());
      const newCookie = b.jar.get('_session') as string;
      expect(newCookie).toMatch(/^[0-9a-f]{64}$/);
      expect(newCookie).not.toBe(oldCookie);
      expect(lastCookie(r)?.value).toBe(newCookie);
      expect(idOf(r)).toBe(idOf(first));
      expect(await s.read(idOf(r))).toMatchObject({
        userId: 'alice',
        data: { theme: 'dark' },
        remembered: false,
        authenticatedAt: clock.now(),
      });
      expect(await rowCount()).toBe(1);
      // No grace: the token presented before reauthenticate() opens nothing, even at once (whatever rotationGrace
      // says); it reads as replaced, so a tab's request in flight with it leaves the new cookie alone.
      const replay = await request(browser(), s, () => {}, { cookies: { _session: oldCookie } });
      expect(replay.manager.userId).toBeNull();
      expect(replay.manager.current()).toBeNull();
      expect(replay.manager.rejection).toBe('replaced');
      expect(replay.port.cookies).toEqual([]);
      const next = await request(b, s);
      expect(next.manager.userId).toBe('alice');
      expect(next.manager.isFresh('10m')).toBe(true);
    });

    it('requireFresh and reauthenticate on an anonymous request or a guest session answer UNAUTHENTICATED (401)', async () => {
      const s = guestStore();
      const b = browser();
      await request(b, s, async (m) => {
        expect(thrownBy(() => m.requireFresh('10m'))).toEqual(sessionError('UNAUTHENTICATED', 401));
        await expect(m.reauthenticate()).rejects.toEqual(sessionError('UNAUTHENTICATED', 401));
        expect(m.isFresh('10m')).toBe(false);
      });
      await request(b, s, (m) => m.set('cart', ['book']));
      await request(b, s, async (m) => {
        expect(m.isGuest).toBe(true);
        expect(m.authenticatedAt).toBeNull();
        expect(thrownBy(() => m.requireFresh('10m'))).toEqual(sessionError('UNAUTHENTICATED', 401));
        await expect(m.reauthenticate()).rejects.toEqual(sessionError('UNAUTHENTICATED', 401));
        expect(m.isFresh('10m')).toBe(false);
      });
    });

    it('store.reauthenticate on a guest id or a missing id answers SESSION_NOT_FOUND and changes nothing', async () => {
      const s = guestStore();
      const guest = await s.createGuest(meta(), { cart: ['book'] });
      const before = await rawRow(guest.session.id);
      await expect(s.reauthenticate(guest.session.id)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
      await expect(s.reauthenticate('01HZZZZZZZZZZZZZZZZZZZZZZZ')).rejects.toMatchObject({
        code: 'SESSION_NOT_FOUND',
      });
      expect(await rawRow(guest.session.id)).toEqual(before);
      expect((await s.readByToken(guest.token))?.data).toEqual({ cart: ['book'] });
    });

    it('store.reauthenticate gives a new token (the old one fails at once) and records the sign-in time', async () => {
      const s = store();
      const { session, token } = await s.create(meta(), 'alice');
      await s.rotateToken(session.id, { grace: '1m' }); // a grace window from an earlier rotation ends too
      clock.advance('1h');
      const result = await s.reauthenticate(session.id);
      expect(result.authenticatedAt).toEqual(clock.now());
      expect(await s.readByToken(token)).toBeNull();
      expect(await s.readByToken(result.token)).toMatchObject({
        id: session.id,
        authenticatedAt: clock.now(),
      });
    });

    it('emits rotated with reauthenticated: true for reauthenticate(), false for rotate()', async () => {
      const s = store();
      const b = browser();
      const id = idOf(await request(b, s, (m) => m.authenticate('alice')));
      events = [];
      await request(b, s, (m) => m.rotate());
      await request(b, s, (m) => m.reauthenticate());
      expect(events.filter((e) => e.type === 'rotated')).toEqual([
        expect.objectContaining({ type: 'rotated', sessionId: id, userId: 'alice', reauthenticated: false }),
        expect.objectContaining({ type: 'rotated', sessionId: id, userId: 'alice', reauthenticated: true }),
      ]);
    });

    it('requireFresh works in a read-only view; reauthenticate there answers READ_ONLY', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      const fresh = await SessionManager.load(s, b.next(), { readOnly: true });
      expect(() => fresh.requireFresh('10m')).not.toThrow();
      clock.advance('11m');
      const stale = await SessionManager.load(s, b.next(), { readOnly: true });
      expect(thrownBy(() => stale.requireFresh('10m'))).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' });
      await expect(stale.reauthenticate()).rejects.toMatchObject({ code: 'READ_ONLY' });
    });

    it('a guest who signs in is fresh from that sign-in', async () => {
      const s = guestStore();
      const b = browser();
      await request(b, s, (m) => m.set('cart', ['book']));
      clock.advance('1h');
      const r = await request(b, s, (m) => m.authenticate('alice'));
      expect(r.manager.authenticatedAt).toEqual(clock.now());
      expect(r.manager.isFresh('10m')).toBe(true);
    });
  });
});

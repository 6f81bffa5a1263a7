import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest, SessionManager, type SessionOptions, SessionStore } from '../src/index.js';
import { FakeClock, MemoryBrowser } from '../src/testing/index.js';
import { request } from './support/requests.js';

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

type Data = { cart?: string[]; theme?: string };

// A tab's request that left with the token a sign-in or a reauthentication replaced must not sign the user out when
// its answer arrives after the new cookie: it opens nothing (no grace), and its response leaves the cookie alone.
forEachDialect((spec) => {
  const table = uniqueTableName('race');
  const t = useTestDatabase(spec, { sessionTables: [table] });
  let clock: FakeClock;
  const store = (options: SessionOptions = {}) =>
    new SessionStore(t.db, { tableName: table, now: clock.now, guests: true, ...options });
  const browser = () => new MemoryBrowser({ headers: { 'user-agent': CHROME_MAC } });

  beforeAll(async () => {
    await migrateToLatest(t.db, { tableName: table });
  });
  beforeEach(async () => {
    clock = new FakeClock('2030-01-01T00:00:00.000Z');
    await t.db.deleteFrom(table).execute();
  });

  /** Tab B's request leaves with the cookie the browser holds now; `act` (tab A) answers before it. */
  async function raceAgainst(
    s: SessionStore,
    b: MemoryBrowser,
    act: (m: SessionManager<Data>) => Promise<unknown>,
  ) {
    const tabB = b.next();
    const before = b.jar.get('_session');
    await request<Data>(b, s, act);
    const after = b.jar.get('_session');
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    const late = await SessionManager.load<Data>(s, tabB);
    const seen = { authenticated: late.isAuthenticated, guest: late.isGuest, rejection: late.rejection };
    await late.commit();
    b.receive(tabB); // tab B's answer arrives last
    return { seen, cookiesSet: tabB.cookies.length, kept: b.jar.get('_session') === after };
  }

  describe('a request in flight with a replaced token', () => {
    it('leaves the cookie of a guest who just signed in alone, and opens nothing', async () => {
      const s = store();
      const b = browser();
      await request<Data>(b, s, (m) => m.set('cart', ['book']));
      const race = await raceAgainst(s, b, (m) => m.authenticate('alice'));
      expect(race.seen).toEqual({ authenticated: false, guest: false, rejection: 'replaced' });
      expect(race.cookiesSet).toBe(0);
      expect(race.kept).toBe(true);
      const next = await request<Data>(b, s);
      expect(next.manager.userId).toBe('alice');
      expect(next.manager.get('cart')).toEqual(['book']);
    });

    it('leaves the cookie of a user who signed in again alone, and opens nothing', async () => {
      const s = store();
      const b = browser();
      await request<Data>(b, s, (m) => m.authenticate('alice'));
      const race = await raceAgainst(s, b, (m) => m.authenticate('alice'));
      expect(race.seen).toEqual({ authenticated: false, guest: false, rejection: 'replaced' });
      expect(race.cookiesSet).toBe(0);
      expect(race.kept).toBe(true);
      expect((await request<Data>(b, s)).manager.userId).toBe('alice');
    });

    it('leaves the cookie alone after reauthenticate(), which gives the old token no grace', async () => {
      const s = store({ rotationGrace: 60 });
      const b = browser();
      await request<Data>(b, s, (m) => m.authenticate('alice'));
      const race = await raceAgainst(s, b, (m) => m.reauthenticate());
      expect(race.seen).toEqual({ authenticated: false, guest: false, rejection: 'replaced' });
      expect(race.cookiesSet).toBe(0);
      expect(race.kept).toBe(true);
      expect((await request<Data>(b, s)).manager.userId).toBe('alice');
    });
  });

  describe('a request that loaded before another tab replaced its token', () => {
    it("a guest request loaded before another tab's sign-in keeps its hands off the new cookie when it commits", async () => {
      const s = store();
      const b = browser();
      await request<Data>(b, s, (m) => m.set('cart', ['book']));
      const tabB = b.next();
      const late = await SessionManager.load<Data>(s, tabB);
      late.set('cart', ['book', 'pen']);
      await request<Data>(b, s, (m) => m.authenticate('alice'));
      const userCookie = b.jar.get('_session');
      await late.commit(); // its session is gone: the change is lost, the cookie left alone
      b.receive(tabB);
      expect(tabB.cookies).toEqual([]);
      expect(b.jar.get('_session')).toBe(userCookie);
      expect((await request<Data>(b, s)).manager.userId).toBe('alice');
    });

    it('a session signed out for good still has its cookie cleared when a late write finds no row', async () => {
      const s = store();
      const b = browser();
      await request<Data>(b, s, (m) => m.authenticate('alice'));
      const port = b.next();
      const late = await SessionManager.load<Data>(s, port);
      late.set('theme', 'dark');
      await s.destroyAllForUser('alice');
      await late.commit();
      expect(late.isAuthenticated).toBe(false);
      expect(port.cookies.map((c) => [c.value, c.attributes.maxAge])).toEqual([['', 0]]);
    });

    for (const op of ['rotate', 'reauthenticate'] as const) {
      it(`never puts the token back that another tab's ${op}() replaced, with a due touch, with or without a data change`, async () => {
        for (const change of [false, true]) {
          const s = store({ touchInterval: 60 });
          const b = browser();
          await request<Data>(b, s, (m) => m.authenticate('alice'));
          clock.advance(120); // a touch is due
          const tabB = b.next();
          const late = await SessionManager.load<Data>(s, tabB);
          if (change) late.set('theme', 'dark');
          await request<Data>(b, s, (m) => m[op]());
          const fresh = b.jar.get('_session');
          await late.commit();
          b.receive(tabB);
          expect(tabB.cookies).toEqual([]);
          expect(b.jar.get('_session')).toBe(fresh);
          clock.advance(120);
          const next = await request<Data>(b, s);
          expect(next.manager.userId).toBe('alice');
          expect(next.manager.get('theme')).toBe(change ? 'dark' : undefined); // the data change was kept
        }
      });
    }
  });

  describe('commit({ touch: false })', () => {
    it('writes the data change and never the due touch, and records no cookie', async () => {
      const s = store({ touchInterval: 60 });
      const b = browser();
      await request<Data>(b, s, (m) => m.authenticate('alice'));
      await request<Data>(b, s, (m) => m.flash('notice', 'Saved.'));
      const before = await s.read((await request<Data>(b, s)).manager.current()?.id as string);
      clock.advance(120); // a touch is due
      const manager = await SessionManager.load<Data>(s, b.next());
      expect(manager.takeFlash('notice')).toBe('Saved.');
      await manager.commit({ touch: false });
      const after = await s.read(before?.id as string);
      expect(after?.lastActiveAt).toEqual(before?.lastActiveAt);
      expect(after?.expiresAt).toEqual(before?.expiresAt);
      expect(after?.data).toEqual({});
      const again = await SessionManager.load<Data>(s, b.next());
      expect(again.takeFlash('notice')).toBeUndefined();
    });
  });
});

import { countRows, forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signCookieValue } from '../src/adapter.js';
import {
  type CookieOptions,
  migrateToLatest,
  SessionError,
  type SessionEvent,
  SessionManager,
  type SessionOptions,
  SessionStore,
} from '../src/index.js';
import {
  countingDialect,
  FakeClock,
  Fault,
  failingDialect,
  MemoryBrowser,
  QueryCounter,
} from '../src/testing/index.js';
import { HandlerFailure, type Outcome as Outcome_, requestsOf } from './support/requests.js';

const SECRET_A = 'a-very-long-secret-of-at-least-32-bytes!!';
const SECRET_B = 'another-very-long-secret-32-bytes-or-more';
const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

type Data = { counter?: number; theme?: string; [key: string]: unknown };

type Outcome = Outcome_<Data>;
const request = requestsOf<Data>();

forEachDialect((spec) => {
  const table = uniqueTableName('mgr');
  const counter = new QueryCounter();
  const fault = new Fault();
  const t = useTestDatabase(spec, {
    wrap: (d) => failingDialect(countingDialect(d, counter), fault),
    sessionTables: [table],
  });
  let clock: FakeClock;
  let events: SessionEvent[];

  const store = (options: SessionOptions = {}, cookie: CookieOptions = {}) =>
    new SessionStore(
      t.db,
      { tableName: table, now: clock.now, onEvent: (e) => void events.push(e), ...options },
      cookie,
    );
  const rowCount = () => countRows(t.db, table);
  const browser = (ua = CHROME_MAC, remoteAddress = '198.51.100.10') =>
    new MemoryBrowser({ headers: { 'user-agent': ua, 'accept-language': 'en' }, remoteAddress });

  beforeAll(async () => {
    await migrateToLatest(t.db, { tableName: table });
  });
  afterAll(() => {
    fault.heal(); // before the tables are dropped
  });
  beforeEach(async () => {
    fault.heal();
    clock = new FakeClock('2030-01-01T00:00:00.000Z');
    events = [];
    await t.db.deleteFrom(table).execute();
    counter.reset();
  });

  describe('request path', () => {
    it('makes no query at all for a request without a cookie', async () => {
      const b = browser();
      const { port, manager } = await request(b, store());
      expect(counter.log).toEqual([]);
      expect(manager.isAuthenticated).toBe(false);
      expect(port.cookies).toEqual([]);
      expect(port.headers.Vary).toBe('Cookie');
      expect(port.headers['Cache-Control']).toBeUndefined();
    });

    it('never creates a row for an anonymous request', async () => {
      await request(browser(), store(), (m) => {
        expect(m.get('counter')).toBeUndefined();
      });
      expect(await rowCount()).toBe(0);
    });

    it('answers an authenticated request that changes nothing with exactly one query and no write', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      counter.reset();
      clock.advance(60); // inside the 5 minute touch interval
      const { port, manager } = await request(b, s, (m) => m.get('counter'));
      expect(manager.userId).toBe('alice');
      expect(counter.queries).toBe(1);
      expect(counter.writes).toBe(0);
      expect(port.cookies).toEqual([]);
    });

    it('writes a request that sets one key with exactly one write', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice', { theme: 'dark' }));
      counter.reset();
      await request(b, s, (m) => m.set('counter', 1));
      expect(counter.writes).toBe(1);
      expect(counter.queries).toBe(2); // the lookup and the write
      const { manager } = await request(b, s);
      expect(manager.current()?.data).toEqual({ theme: 'dark', counter: 1 });
    });

    it('treats a malformed cookie as anonymous with no query, and clears it', async () => {
      const b = browser();
      b.jar.set('_session', 'not-a-token');
      const { port, manager } = await request(b, store());
      expect(manager.isAuthenticated).toBe(false);
      expect(counter.log).toEqual([]);
      expect(port.cookies).toHaveLength(1);
      expect(port.cookies[0]?.attributes.maxAge).toBe(0);
      expect(events.map((e) => e.type)).toEqual(['rejected']);
    });

    it('ignores an oversized cookie value without reading it', async () => {
      const b = browser();
      b.jar.set('_session', 'a'.repeat(100_000));
      const { manager } = await request(b, store());
      expect(manager.isAuthenticated).toBe(false);
      expect(counter.log).toEqual([]);
    });

    it('clears a cookie that names no live session (expired) and reports it', async () => {
      const s = store({ ttl: 60 });
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      clock.advance(61);
      events = [];
      const { port, manager } = await request(b, s);
      expect(manager.isAuthenticated).toBe(false);
      expect(port.cookies[0]).toMatchObject({ name: '_session', value: '', attributes: { maxAge: 0 } });
      expect(port.headers['Cache-Control']).toBe('private, no-store');
      expect(events).toMatchObject([{ type: 'rejected', reason: 'not_found' }]);
      expect(b.jar.size).toBe(0);
    });

    it('destroys the row and answers anonymous when the fingerprint differs', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      const { manager, port } = await request(b, s, () => {}, { headers: { 'user-agent': FIREFOX_WIN } });
      expect(manager.isAuthenticated).toBe(false);
      expect(await rowCount()).toBe(0);
      expect(port.cookies[0]?.attributes.maxAge).toBe(0);
      expect(events.map((e) => (e.type === 'destroyed' ? `destroyed:${e.reason}` : e.type))).toContain(
        'destroyed:fingerprint_mismatch',
      );
    });

    it('keeps the session across a browser update, other Accept-* headers and media requests', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'), { headers: { 'accept-encoding': 'gzip, br' } });
      for (const headers of [
        { 'user-agent': CHROME_MAC.replace('Chrome/131', 'Chrome/132') },
        { 'accept-encoding': 'gzip, deflate, br, zstd' },
        { 'accept-encoding': 'identity;q=1, *;q=0', range: 'bytes=0-' },
        { 'accept-language': '' },
      ]) {
        const r = await request(b, s, () => {}, { headers });
        expect(r.manager.userId, JSON.stringify(headers)).toBe('alice');
        expect(r.port.cookies).toEqual([]);
      }
      expect(await rowCount()).toBe(1);
    });

    it('answers a request without a User-Agent as anonymous, and keeps the session and its cookie', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      const r = await request(b, s, () => {}, { headers: { 'user-agent': '' } });
      expect(r.manager.isAuthenticated).toBe(false);
      expect(r.port.cookies).toEqual([]);
      expect(events.at(-1)).toMatchObject({ type: 'rejected', reason: 'fingerprint_unverifiable' });
      expect(await rowCount()).toBe(1);
      expect((await request(b, s)).manager.userId).toBe('alice');
    });

    it('fingerprints only the configured headers', async () => {
      const s = store({ fingerprintHeaders: ['user-agent', 'accept-language'] });
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'), { headers: { 'accept-encoding': 'gzip, br' } });
      const other = await request(b, s, () => {}, { headers: { 'accept-encoding': 'gzip, deflate' } });
      expect(other.manager.userId).toBe('alice');
      const lang = await request(b, s, () => {}, { headers: { 'accept-language': 'de' } });
      expect(lang.manager.isAuthenticated).toBe(false);
    });

    it('accepts another fingerprint when validateFingerprint is off', async () => {
      const s = store({ validateFingerprint: false });
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      const { manager } = await request(b, s, () => {}, { headers: { 'user-agent': FIREFOX_WIN } });
      expect(manager.userId).toBe('alice');
    });
  });

  describe('authentication', () => {
    it('replaces an existing session on authenticate (session fixation)', async () => {
      const s = store();
      const b = browser();
      const first = await request(b, s, (m) => m.authenticate('alice'));
      const oldCookie = b.jar.get('_session') as string;
      const oldId = first.manager.current()?.id;
      const second = await request(b, s, (m) => m.authenticate('alice'));
      expect(second.manager.current()?.id).not.toBe(oldId);
      expect(b.jar.get('_session')).not.toBe(oldCookie);
      expect(await s.read(oldId as string)).toBeNull();
      const replay = await request(new MemoryBrowser({ headers: b.headers }), s, () => {}, {
        cookies: { _session: oldCookie },
      });
      expect(replay.manager.isAuthenticated).toBe(false);
      expect(await rowCount()).toBe(1);
    });

    it('does not accept the old cookie after logout (replay)', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      const cookie = b.jar.get('_session') as string;
      const out = await request(b, s, (m) => m.logout());
      expect(out.port.cookies[0]?.attributes.maxAge).toBe(0);
      expect(out.port.headers['Cache-Control']).toBe('private, no-store');
      const replay = await request(b, s, (m) => m.userId, { cookies: { _session: cookie } });
      expect(replay.manager.isAuthenticated).toBe(false);
      expect(await rowCount()).toBe(0);
    });

    it('logout clears the cookie even without a session', async () => {
      const { port } = await request(browser(), store(), (m) => m.logout());
      expect(port.cookies).toMatchObject([{ value: '', attributes: { maxAge: 0 } }]);
    });

    it('sets the cookie with the configured attributes, and a clearing cookie repeats them', async () => {
      const s = store({ cookieName: '__Host-sid', ttl: '1d' });
      const b = browser();
      const signIn = await request(b, s, (m) => m.authenticate('alice'));
      expect(signIn.port.cookies[0]).toMatchObject({
        name: '__Host-sid',
        attributes: { path: '/', secure: true, httpOnly: true, sameSite: 'lax', maxAge: 86_400 },
      });
      expect(signIn.port.cookies[0]?.attributes.domain).toBeUndefined();
      expect(signIn.port.headers['Cache-Control']).toBe('private, no-store');
      const out = await request(b, s, (m) => m.logout());
      expect(out.port.cookies[0]?.attributes).toMatchObject({
        path: '/',
        secure: true,
        httpOnly: true,
        maxAge: 0,
      });
      expect(out.port.cookies[0]?.name).toBe('__Host-sid');

      const domainStore = store({}, { domain: 'example.com', path: '/app', sameSite: 'strict' });
      const d = browser();
      const set = await request(d, domainStore, (m) => m.authenticate('bob'));
      const clear = await request(d, domainStore, (m) => m.logout());
      for (const c of [set.port.cookies[0], clear.port.cookies[0]]) {
        expect(c?.attributes).toMatchObject({
          domain: 'example.com',
          path: '/app',
          secure: true,
          sameSite: 'strict',
        });
      }
    });

    it('rejects a __Host- cookie name with a Domain or a non-root path at construction', () => {
      expect(() => store({ cookieName: '__Host-sid' }, { domain: 'example.com' })).toThrow(/cookie\.domain/);
      expect(() => store({ cookieName: '__Host-sid' }, { path: '/app' })).toThrow(/cookie\.path/);
      expect(() => store({ cookieName: '__Host-sid' }, { secure: false })).toThrow(/cookie\.secure/);
    });

    it('answers 401 for operations that need a session', async () => {
      const errors: unknown[] = [];
      await request(browser(), store(), async (m) => {
        for (const op of [
          () => m.logoutAll(),
          () => m.logoutOther(),
          () => m.revoke('x'),
          () => m.rotate(),
          () => m.listMySessions(),
          async () => m.set('counter', 1),
          async () => m.remove('counter'),
        ]) {
          errors.push(await op().catch((e: unknown) => e));
        }
      });
      expect(errors).toHaveLength(7);
      for (const e of errors) expect(e).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    });
  });

  describe('devices', () => {
    it("lists the user's sessions with the current one marked, and logoutOther keeps only it", async () => {
      const s = store();
      const mac = browser(CHROME_MAC);
      const win = browser(FIREFOX_WIN, '198.51.100.20');
      await request(mac, s, (m) => m.authenticate('alice'));
      clock.advance(1);
      await request(win, s, (m) => m.authenticate('alice'));
      let list: Awaited<ReturnType<SessionManager<Data>['listMySessions']>> = [];
      await request(mac, s, async (m) => {
        list = await m.listMySessions();
      });
      expect(list.map((x) => [x.deviceName, x.ipAddress, x.current])).toEqual([
        ['Firefox on Windows', '198.51.100.20', false],
        ['Chrome on macOS', '198.51.100.10', true],
      ]);
      const other = await request(mac, s, (m) => m.logoutOther());
      expect(other.port.cookies).toEqual([]);
      expect((await request(win, s)).manager.isAuthenticated).toBe(false);
      expect((await request(mac, s)).manager.isAuthenticated).toBe(true);
    });

    it("revokes another device by id, and answers 404 for another user's session without deleting it", async () => {
      const s = store();
      const a1 = browser();
      const a2 = browser(FIREFOX_WIN);
      const bob = browser();
      await request(a1, s, (m) => m.authenticate('alice'));
      const second = await request(a2, s, (m) => m.authenticate('alice'));
      const bobs = await request(bob, s, (m) => m.authenticate('bob'));
      let error: unknown;
      await request(a1, s, async (m) => {
        error = await m.revoke(bobs.manager.current()?.id as string).catch((e: unknown) => e);
        await m.revoke(second.manager.current()?.id as string);
      });
      expect(error).toMatchObject({ code: 'SESSION_NOT_FOUND', status: 404 });
      expect((await request(bob, s)).manager.userId).toBe('bob');
      expect((await request(a2, s)).manager.isAuthenticated).toBe(false);
      expect((await request(a1, s)).manager.isAuthenticated).toBe(true);
    });

    it('logoutAll ends every session of the user and clears the cookie', async () => {
      const s = store();
      const a1 = browser();
      const a2 = browser(FIREFOX_WIN);
      await request(a1, s, (m) => m.authenticate('alice'));
      await request(a2, s, (m) => m.authenticate('alice'));
      await request(browser(), s, (m) => m.authenticate('bob'));
      const out = await request(a1, s, (m) => m.logoutAll());
      expect(out.port.cookies[0]?.attributes.maxAge).toBe(0);
      expect((await request(a2, s)).manager.isAuthenticated).toBe(false);
      expect(await rowCount()).toBe(1);
    });
  });

  describe('touch and lifetime', () => {
    it('touches only when the touch interval has passed, and re-sends the cookie with the new Max-Age', async () => {
      const s = store({ ttl: '1d', touchInterval: '5m' });
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      const cookie = b.jar.get('_session');
      clock.advance('4m');
      counter.reset();
      const early = await request(b, s);
      expect(counter.writes).toBe(0);
      expect(early.port.cookies).toEqual([]);
      clock.advance('1m');
      counter.reset();
      const due = await request(b, s);
      expect(counter.writes).toBe(1);
      expect(due.port.cookies).toMatchObject([
        { name: '_session', value: cookie, attributes: { maxAge: 86_400 } },
      ]);
      expect(due.port.headers['Cache-Control']).toBe('private, no-store');
      const row = await s.read(due.manager.current()?.id as string);
      expect(row?.lastActiveAt).toEqual(clock.now());
      expect(row?.expiresAt.getTime()).toBe(clock.now().getTime() + 86_400_000);
    });

    it('combines a due touch and a data change in one write', async () => {
      const s = store({ touchInterval: 60 });
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      clock.advance(61);
      counter.reset();
      await request(b, s, (m) => m.set('theme', 'light'));
      expect(counter.writes).toBe(1);
    });

    it('never extends a session past its absolute lifetime by touches or rotation', async () => {
      const s = store({ ttl: '1h', absoluteTtl: '3h', touchInterval: 60 });
      const b = browser();
      const start = clock.now().getTime();
      await request(b, s, (m) => m.authenticate('alice'));
      for (let i = 0; i < 8; i++) {
        clock.advance('20m'); // up to 2h40m: still before the 3h deadline
        const r = await request(b, s, (m) => (i % 3 === 0 ? m.rotate() : m.set('counter', i)));
        expect(r.manager.isAuthenticated).toBe(true);
        const expires = (await s.read(r.manager.current()?.id as string))?.expiresAt.getTime() ?? 0;
        expect(expires).toBeLessThanOrEqual(start + 3 * 3_600_000);
        for (const c of r.port.cookies) {
          expect(clock.now().getTime() + (c.attributes.maxAge ?? 0) * 1000).toBeLessThanOrEqual(
            start + 3 * 3_600_000,
          );
        }
      }
      clock.set(start + 3 * 3_600_000);
      expect((await request(b, s)).manager.isAuthenticated).toBe(false);
    });
  });

  describe('rotation with two tabs', () => {
    /** The row's expiry, to compare with the cookie's. */
    const rowExpiry = async (s: SessionStore, id: string) => (await s.read(id))?.expiresAt.getTime();

    it('rotationGrace 0: rotate gives a new cookie and the old one stops working at once', async () => {
      const s = store({ rotationGrace: 0 });
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      const old = b.jar.get('_session') as string;
      const r = await request(b, s, (m) => m.rotate());
      expect(r.port.cookies[0]?.value).not.toBe(old);
      expect((await request(b, s)).manager.userId).toBe('alice');
      const replay = await request(browser(), s, () => {}, { cookies: { _session: old } });
      expect(replay.manager.isAuthenticated).toBe(false);
      expect(replay.port.cookies[0]?.attributes.maxAge).toBe(0);
    });

    it('lets a request that left with the replaced token in, and its response leaves the cookie alone', async () => {
      const s = store({ touchInterval: 60 });
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      const old = b.jar.get('_session') as string;
      const tabB = b.next(); // tab B's request leaves with the old cookie ...
      await request(b, s, (m) => m.rotate()); // ... tab A's rotate() answers first
      const fresh = b.jar.get('_session') as string;
      expect(fresh).not.toBe(old);
      const manager = new SessionManager<Data>(s, tabB);
      await manager.load();
      expect(manager.userId).toBe('alice');
      manager.set('theme', 'dark'); // it may change data ...
      await manager.commit();
      b.receive(tabB);
      expect(tabB.cookies).toEqual([]); // ... but never clears or re-sends the cookie
      expect(b.jar.get('_session')).toBe(fresh);
      expect((await request(b, s)).manager.get('theme')).toBe('dark');
    });

    it('does not touch on the replaced token, so the cookie and the row keep one expiry', async () => {
      const s = store({ touchInterval: 1 });
      const b = browser();
      const signIn = await request(b, s, (m) => m.authenticate('alice'));
      const id = signIn.manager.current()?.id as string;
      const old = b.jar.get('_session') as string;
      await request(b, s, (m) => m.rotate());
      clock.advance(5); // a touch is due
      const before = await rowExpiry(s, id);
      counter.reset();
      const late = await request(b, s, () => {}, { cookies: { _session: old } });
      expect(late.manager.userId).toBe('alice');
      expect(late.port.cookies).toEqual([]);
      expect(counter.writes).toBe(0);
      expect(await rowExpiry(s, id)).toBe(before);
    });

    it('answers the replaced token as anonymous after the grace window, without clearing the cookie', async () => {
      const s = store({ rotationGrace: '10s' });
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      const old = b.jar.get('_session') as string;
      await request(b, s, (m) => m.rotate());
      clock.advance(9);
      expect((await request(b, s, () => {}, { cookies: { _session: old } })).manager.userId).toBe('alice');
      clock.advance(1);
      const late = await request(b, s, () => {}, { cookies: { _session: old } });
      expect(late.manager.isAuthenticated).toBe(false);
      expect(late.port.cookies).toEqual([]);
      expect(events.at(-1)).toMatchObject({ type: 'rejected', reason: 'replaced' });
      expect((await request(b, s)).manager.userId).toBe('alice');
    });

    it('a second rotation ends the grace of the token the first one replaced', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      const first = b.jar.get('_session') as string;
      await request(b, s, (m) => m.rotate());
      const second = b.jar.get('_session') as string;
      await request(b, s, (m) => m.rotate());
      expect((await request(browser(), s, () => {}, { cookies: { _session: second } })).manager.userId).toBe(
        'alice',
      );
      const replay = await request(browser(), s, () => {}, { cookies: { _session: first } });
      expect(replay.manager.isAuthenticated).toBe(false);
    });

    it('authenticate gives no grace: the token presented before it never reaches the new session', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      await request(b, s, (m) => m.rotate());
      const beforeSignIn = b.jar.get('_session') as string;
      await request(b, s, (m) => m.authenticate('alice'));
      const replay = await request(browser(), s, () => {}, { cookies: { _session: beforeSignIn } });
      expect(replay.manager.isAuthenticated).toBe(false);
      expect((await request(b, s)).manager.userId).toBe('alice');
    });

    it('keeps the user signed in over 30 rounds of one tab rotating while the other has a request in flight', async () => {
      const s = store({ touchInterval: 1 });
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      let signedOut = 0;
      for (let round = 0; round < 30; round++) {
        clock.advance(2); // touches fall due on both tabs
        const tabB = b.next();
        await request(b, s, (m) => m.rotate());
        const manager = new SessionManager<Data>(s, tabB);
        await manager.load();
        if (manager.userId !== 'alice') signedOut++;
        await manager.commit();
        b.receive(tabB); // tab B's answer arrives after tab A's
        if (!b.jar.get('_session')) signedOut++;
      }
      expect(signedOut).toBe(0);
      expect((await request(b, s)).manager.userId).toBe('alice');
    });
  });

  describe('the cookie lives exactly as long as the row', () => {
    const lastCookieExpiry = (o: Outcome) => o.port.cookies.at(-1)?.attributes.expires?.getTime();
    const check = async (s: SessionStore, o: Outcome) => {
      const id = o.manager.current()?.id as string;
      const row = await s.read(id);
      expect(o.port.cookies.length).toBeGreaterThan(0);
      expect(lastCookieExpiry(o)).toBe(row?.expiresAt.getTime());
      const maxAge = o.port.cookies.at(-1)?.attributes.maxAge as number;
      expect(clock.now().getTime() + maxAge * 1000).toBeLessThanOrEqual(row?.expiresAt.getTime() as number);
      expect(clock.now().getTime() + (maxAge + 1) * 1000).toBeGreaterThan(row?.expiresAt.getTime() as number);
    };

    it.each([
      ['sign-in', {}, (m: SessionManager<Data>) => m.authenticate('bob')],
      ['a due touch', {}, () => {}],
      ['a due touch with a data change', {}, (m: SessionManager<Data>) => m.set('counter', 1)],
      ['rotate without a touch due', { touchInterval: '50m' }, (m: SessionManager<Data>) => m.rotate()],
      ['rotate with a touch due', {}, (m: SessionManager<Data>) => m.rotate()],
      [
        'rotate, a data change and a touch due',
        {},
        async (m: SessionManager<Data>) => {
          m.set('counter', 2);
          await m.rotate();
        },
      ],
      [
        'rotate with a touch due near the absolute deadline',
        { absoluteTtl: '70m' },
        (m: SessionManager<Data>) => m.rotate(),
      ],
    ] as const)('after %s', async (_name, options, handler) => {
      const s = store({ ttl: '1h', touchInterval: 60, ...options });
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      clock.advance('30m');
      const o = await request(b, s, handler);
      await check(s, o);
    });
  });

  describe('response path', () => {
    it('does not flush data or touch when the handler fails', async () => {
      const s = store({ touchInterval: 60 });
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice', { counter: 1 }));
      clock.advance(120);
      counter.reset();
      const r = await request(b, s, (m) => {
        m.set('counter', 2);
        throw new HandlerFailure('handler failed');
      });
      expect(counter.writes).toBe(0);
      expect(r.port.cookies).toEqual([]);
      expect((await s.read(r.manager.current()?.id as string))?.data).toEqual({ counter: 1 });
    });

    it('still sends the cookie of a session created before the handler failed', async () => {
      const s = store();
      const b = browser();
      await request(b, s, async (m) => {
        await m.authenticate('alice');
        throw new HandlerFailure('after sign-in');
      });
      expect(b.jar.has('_session')).toBe(true);
      expect((await request(b, s)).manager.userId).toBe('alice');
    });

    it('does not resurrect a session deleted by a concurrent logout, and clears the cookie', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      const portA = b.next();
      const a = new SessionManager<Data>(s, portA);
      await a.load(); // request A loads
      await request(b, s, (m) => m.logout()); // request B logs out
      a.set('counter', 99); // A changes data and commits
      await a.commit();
      expect(await rowCount()).toBe(0);
      expect(portA.cookies).toMatchObject([{ value: '', attributes: { maxAge: 0 } }]);
    });

    it('keeps all 50 keys when 50 requests on one session set their own key in parallel', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice', { base: 1 }));
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) => request(b, s, (m) => m.set(`key${i}`, i))),
      );
      expect(outcomes.filter((o) => o.commitError || o.loadError)).toEqual([]);
      const data = (await request(b, s)).manager.current()?.data ?? {};
      expect(Object.keys(data)).toHaveLength(51);
      for (let i = 0; i < 50; i++) expect(data[`key${i}`]).toBe(i);
    });

    it('lets the last commit win for one key without losing other keys', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice', { theme: 'light' }));
      const p1 = b.next();
      const p2 = b.next();
      const m1 = new SessionManager<Data>(s, p1);
      const m2 = new SessionManager<Data>(s, p2);
      await m1.load();
      await m2.load();
      m1.set('theme', 'dark');
      m1.set('counter', 1);
      m2.set('theme', 'blue');
      await m1.commit();
      await m2.commit();
      expect((await request(b, s)).manager.current()?.data).toEqual({ theme: 'blue', counter: 1 });
    });

    it('removes keys with remove()', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice', { theme: 'dark', counter: 3 }));
      await request(b, s, (m) => {
        m.remove('theme');
        expect(m.get('theme')).toBeUndefined();
      });
      expect((await request(b, s)).manager.current()?.data).toEqual({ counter: 3 });
    });

    it('rejects a value that is not JSON at set() with INVALID_DATA and writes nothing', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice', { counter: 1 }));
      counter.reset();
      let error: unknown;
      await request(b, s, (m) => {
        try {
          m.set('counter', 10n as never);
        } catch (e) {
          error = e;
        }
      });
      expect(error).toMatchObject({ code: 'INVALID_DATA' });
      expect(counter.writes).toBe(0);
    });
  });

  describe('signed cookies', () => {
    it('treats a tampered or unsigned cookie under a secret as anonymous without a query', async () => {
      const s = store({}, { secret: SECRET_A });
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      const signed = b.jar.get('_session') as string;
      expect(signed).toMatch(/^[0-9a-f]{64}\.[A-Za-z0-9_-]{43}$/);
      const [token] = signed.split('.');
      const tampered = `${token?.slice(0, 63)}${token?.endsWith('0') ? '1' : '0'}.${signed.split('.')[1]}`;
      for (const value of [token as string, tampered, `${token}.`, `${token}.${'A'.repeat(43)}`]) {
        counter.reset();
        const r = await request(browser(), s, () => {}, { cookies: { _session: value } });
        expect(r.manager.isAuthenticated).toBe(false);
        expect(counter.log).toEqual([]);
      }
      expect((await request(b, s)).manager.userId).toBe('alice');
    });

    it('still verifies cookies signed with an older secret after rotating secrets', async () => {
      const b = browser();
      await request(b, store({}, { secret: SECRET_A }), (m) => m.authenticate('alice'));
      const rotated = store({}, { secret: [SECRET_B, SECRET_A] });
      expect((await request(b, rotated)).manager.userId).toBe('alice');
      const fresh = browser();
      await request(fresh, rotated, (m) => m.authenticate('bob'));
      const value = fresh.jar.get('_session') as string;
      expect(value).toBe(signCookieValue(value.split('.')[0] as string, SECRET_B));
      expect((await request(fresh, store({}, { secret: SECRET_B }))).manager.userId).toBe('bob');
    });

    it('signs a cookie made with an older secret again with the newest at once, with no extra query', async () => {
      const b = browser();
      await request(b, store({}, { secret: SECRET_A }), (m) => m.authenticate('alice'));
      const old = b.jar.get('_session') as string;
      const rotated = store({}, { secret: [SECRET_B, SECRET_A] });
      counter.reset();
      const r = await request(b, rotated);
      expect(r.manager.userId).toBe('alice');
      expect(counter.queries).toBe(1);
      const token = old.split('.')[0] as string;
      expect(r.port.cookies).toHaveLength(1);
      expect(r.port.cookies[0]?.value).toBe(signCookieValue(token, SECRET_B));
      const row = await rotated.read(r.manager.current()?.id as string);
      expect(r.port.cookies[0]?.attributes.expires?.getTime()).toBe(row?.expiresAt.getTime());
      // Removing the old secret now signs nobody out.
      expect((await request(b, store({}, { secret: SECRET_B }))).manager.userId).toBe('alice');
      // A cookie already signed with the newest secret is left alone.
      expect((await request(b, rotated)).port.cookies).toEqual([]);
    });

    it('rejects secrets shorter than 32 bytes at construction', () => {
      expect(() => store({}, { secret: 'short' })).toThrow(/cookie\.secret/);
      expect(() => store({}, { secret: [SECRET_A, 'short'] })).toThrow(/cookie\.secret.*entry 1/);
    });
  });

  describe('client metadata', () => {
    it('believes only the forwarding header named by clientIpHeader', async () => {
      const headers = {
        forwarded: 'for=203.0.113.9',
        'x-forwarded-for': '192.0.2.1',
        'x-real-ip': '192.0.2.2',
      };
      const ipWith = async (clientIpHeader?: 'forwarded' | 'x-real-ip') => {
        const s = store({
          trustedProxies: ['198.51.100.0/24'],
          ...(clientIpHeader ? { clientIpHeader } : {}),
        });
        const r = await request(browser(), s, (m) => m.authenticate('alice'), { headers });
        return r.manager.current()?.ipAddress;
      };
      expect(await ipWith()).toBe('192.0.2.1');
      expect(await ipWith('forwarded')).toBe('203.0.113.9');
      expect(await ipWith('x-real-ip')).toBe('192.0.2.2');
    });

    it('ignores forwarded headers from an untrusted peer', async () => {
      const s = store();
      const b = browser(CHROME_MAC, '198.51.100.10');
      const r = await request(b, s, (m) => m.authenticate('alice'), {
        headers: { 'x-forwarded-for': '1.2.3.4', 'x-real-ip': '5.6.7.8' },
      });
      expect(r.manager.current()?.ipAddress).toBe('198.51.100.10');
    });

    it('believes X-Forwarded-For from a trusted proxy', async () => {
      const s = store({ trustedProxies: ['10.0.0.0/8'] });
      const b = browser(CHROME_MAC, '10.1.2.3');
      const r = await request(b, s, (m) => m.authenticate('alice'), {
        headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.7' },
      });
      expect(r.manager.current()?.ipAddress).toBe('203.0.113.9');
      expect(r.manager.current()?.deviceName).toBe('Chrome on macOS');
    });
  });

  describe('database failures', () => {
    it('fails closed on load: STORE_FAILURE 503, not authenticated, cookie kept', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      fault.fail();
      const r = await request(b, s);
      expect(r.loadError).toBeInstanceOf(SessionError);
      expect(r.loadError).toMatchObject({ code: 'STORE_FAILURE', status: 503 });
      expect(r.manager.isAuthenticated).toBe(false);
      expect(r.manager.loadFailed).toBe(true);
      await r.manager.commit(); // an adapter that lets the route continue anonymously
      expect(r.port.cookies).toEqual([]);
      fault.heal();
      expect((await request(b, s)).manager.userId).toBe('alice');
    });

    it('surfaces a failed commit and sends no cookie for a session that was not saved', async () => {
      const s = store({ touchInterval: 60 });
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      clock.advance(120);
      const r = await request(b, s, (m) => {
        m.set('counter', 5);
        fault.fail();
      });
      expect(r.commitError).toMatchObject({ code: 'STORE_FAILURE' });
      expect(r.port.cookies).toEqual([]);
      fault.heal();
      const after = await request(b, s);
      expect(after.manager.userId).toBe('alice');
      expect(after.manager.get('counter')).toBeUndefined();
    });

    it('sets no cookie when authenticate cannot save the session', async () => {
      const s = store();
      const b = browser();
      let error: unknown;
      await request(b, s, async (m) => {
        fault.fail();
        error = await m.authenticate('alice').catch((e: unknown) => e);
        fault.heal();
        throw new HandlerFailure('authenticate failed');
      });
      expect(error).toMatchObject({ code: 'STORE_FAILURE' });
      expect(b.jar.size).toBe(0);
      expect(await rowCount()).toBe(0);
    });
  });

  describe('several cookies of one name', () => {
    it('tries each: a stale cookie of a longer Path sent first does not sign the user out, and nothing is cleared', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      const real = b.jar.get('_session') as string;
      await request(browser(), s, (m) => m.authenticate('mallory'));
      const stale = 'f'.repeat(64);
      for (const cookie of [
        `_session=${stale}; _session=${real}`,
        `theme=dark; _session="${stale}"; _session="${real}"`,
      ]) {
        const r = await request(browser(), s, () => {}, { headers: { cookie } });
        expect(r.manager.userId, cookie).toBe('alice');
        expect(r.port.cookies).toEqual([]);
      }
    });

    it('clears only when every value was read and named nothing', async () => {
      const s = store();
      const dead = (n: number) => n.toString(16).padStart(64, '0');
      const two = await request(browser(), s, () => {}, {
        headers: { cookie: `_session=${dead(1)}; _session=${dead(2)}` },
      });
      expect(two.port.cookies.map((c) => c.attributes.maxAge)).toEqual([0]);
      // More values than are tried (3): one not read may be the real one, so none is cleared.
      const many = await request(browser(), s, () => {}, {
        headers: { cookie: [1, 2, 3, 4].map((n) => `_session=${dead(n)}`).join('; ') },
      });
      expect(many.manager.isAuthenticated).toBe(false);
      expect(many.port.cookies).toEqual([]);
    });
  });

  describe('caching', () => {
    it('marks every response that depends on the session private, no-store, and noStore: false leaves them alone', async () => {
      const b = browser();
      await request(b, store(), (m) => m.authenticate('alice'));
      const signedIn = await request(b, store());
      expect(signedIn.port.cookies).toEqual([]);
      expect(signedIn.port.headers['Cache-Control']).toBe('private, no-store');
      expect(signedIn.port.headers.Vary).toBe('Cookie');
      const optedOut = await request(b, store({ noStore: false }));
      expect(optedOut.port.headers['Cache-Control']).toBeUndefined();
      // ... except a response that sets or clears the cookie.
      const out = await request(b, store({ noStore: false }), (m) => m.logout());
      expect(out.port.headers['Cache-Control']).toBe('private, no-store');
      // A request without a session cookie does not depend on a session.
      expect((await request(browser(), store())).port.headers['Cache-Control']).toBeUndefined();
    });
  });

  describe('an outage during the request', () => {
    it('refuses to sign out while the session could not be loaded, and keeps the cookie (no lie)', async () => {
      const s = store();
      const b = browser();
      await request(b, s, (m) => m.authenticate('alice'));
      fault.fail();
      const port = b.next();
      const manager = new SessionManager<Data>(s, port);
      await expect(manager.load()).rejects.toMatchObject({ code: 'STORE_FAILURE' });
      fault.heal(); // the database answers again while the handler runs (onLoadError: 'anonymous')
      for (const op of [
        () => manager.logout(),
        () => manager.logoutAll(),
        () => manager.logoutOther(),
        () => manager.revoke('x'),
        () => manager.rotate(),
        () => manager.authenticate('mallory'),
        async () => manager.set('counter', 1),
      ]) {
        await expect(op()).rejects.toMatchObject({ code: 'STORE_FAILURE', status: 503 });
      }
      await manager.commit();
      expect(port.cookies).toEqual([]);
      expect(await rowCount()).toBe(1);
      expect((await request(b, s)).manager.userId).toBe('alice');
    });
  });

  describe('events', () => {
    it('reports the lifecycle and never carries a token or its hash', async () => {
      const s = store({ touchInterval: 60 });
      const b = browser();
      const tokens: string[] = [];
      await request(b, s, (m) => m.authenticate('alice'));
      tokens.push(b.jar.get('_session') as string);
      clock.advance(61);
      await request(b, s);
      await request(b, s, (m) => m.rotate());
      tokens.push(b.jar.get('_session') as string);
      clock.advance(31); // past the rotation grace: the replaced token opens nothing
      await request(browser(), s, () => {}, { cookies: { _session: tokens[0] as string } });
      await request(b, s, (m) => m.logout());
      expect(events.map((e) => e.type)).toEqual(['created', 'touched', 'rotated', 'rejected', 'destroyed']);
      expect(events[3]).toMatchObject({ type: 'rejected', reason: 'replaced' });
      expect(events[4]).toMatchObject({ type: 'destroyed', reason: 'logout', userId: 'alice' });
      const text = JSON.stringify(events);
      const { createHash } = await import('node:crypto');
      for (const token of tokens) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(createHash('sha256').update(Buffer.from(token, 'hex')).digest('hex'));
      }
    });

    it('keeps working when the event hook throws or rejects', async () => {
      const throwing = store({
        onEvent: () => {
          throw new Error('hook broke');
        },
      });
      const rejecting = store({
        onEvent: async () => {
          throw new Error('hook broke later');
        },
      });
      for (const s of [throwing, rejecting]) {
        const b = browser();
        const r = await request(b, s, (m) => m.authenticate('alice'));
        expect(r.commitError).toBeUndefined();
        expect((await request(b, s)).manager.userId).toBe('alice');
        await request(b, s, (m) => m.logout());
        expect(b.jar.size).toBe(0);
      }
    });
  });
});

describe('SessionManager outside a database', () => {
  it('reports READ_ONLY for writes on a read-only view and commits nothing', async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    await migrateToLatest(db);
    const store = new SessionStore(db);
    const b = new MemoryBrowser();
    const port = b.next();
    const view = await SessionManager.load(store, port, { readOnly: true });
    expect(() => view.set('x', 1)).toThrow(expect.objectContaining({ code: 'READ_ONLY' }));
    await expect(view.authenticate('alice')).rejects.toMatchObject({ code: 'READ_ONLY' });
    await view.commit();
    expect(port.cookies).toEqual([]);
    expect(port.headers).toEqual({});
    await db.destroy();
  });
});

describe('typing', () => {
  it('accepts session data declared as an interface', () => {
    interface Cart {
      items?: string[];
      total?: number;
    }
    const check = (m: SessionManager<Cart>) => {
      const items: string[] | undefined = m.get('items');
      // @ts-expect-error: not a key of Cart
      m.get('nope');
      // @ts-expect-error: wrong value type
      m.set('total', 'ten');
      return items;
    };
    expect(typeof check).toBe('function');
  });
});

/**
 * The store and manager conformance checks that apply on SQLite, as plain TypeScript (no test runner, no `node:`
 * import), so the same checks run inside workerd, Bun and Deno. Each check gets an empty table and a fresh fake
 * clock; the runners report one result per check, and the vitest files on Node turn each into a named test.
 *
 * What the core suite checks that does NOT run here, and why:
 * - PostgreSQL and MySQL behaviour (row locks, deadlock retries, time zones, prepared statements, pool guards,
 *   `operationTimeout`): these runtimes are tested on SQLite only.
 * - Faults injected into the driver (outages, stalled databases, `STORE_FAILURE` mapping): they need a wrapping
 *   dialect around a driver that these checks do not own; the error path is the same code on every runtime.
 * - Several connections to one database file (concurrent cleaners, `SQLITE_BUSY`): D1 has one logical
 *   connection, and bun:sqlite and node:sqlite are opened in memory here.
 * - The better-sqlite3 statement cache and the keep-alive cleanup job (Node timers, child processes).
 */
import {
  type CookieOptions,
  migrateToLatest,
  SessionError,
  SessionManager,
  type SessionMeta,
  type SessionOptions,
  SessionStore,
  SessionToken,
} from '@sess/core';
import { FakeClock, MemoryBrowser } from '@sess/core/testing';
import type { Kysely } from 'kysely';

/** What {@link runConformance} reports per check. */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** The failure (message and first stack lines). */
  error?: string;
  /** A figure worth printing, e.g. the row count after 50 parallel sign-ins. */
  detail?: string;
}

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** Store options every check adds, e.g. `{ batch: d1Batch(env.DB) }` on D1. */
  store?: SessionOptions;
  /** Run only the checks whose name contains this text. */
  only?: string;
  /**
   * Creates the `sess_sessions` table the checks use. @default `migrateToLatest(db)`
   */
  schema?: (db: Kysely<any>) => Promise<unknown>;
}

interface Context {
  db: Kysely<any>;
  clock: FakeClock;
  /** A store on the check's table with the runner's options, the fake clock and `overrides`. */
  store(overrides?: SessionOptions, cookie?: CookieOptions): SessionStore;
  rows(): Promise<Record<string, unknown>[]>;
  /** Sets a figure the report shows next to the check. */
  detail(text: string): void;
}

type Check = (t: Context) => Promise<void>;

const TABLE = 'sess_sessions';
const SECRET = 'a-signing-secret-of-at-least-32-bytes!';
const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0';

function meta(overrides: Partial<SessionMeta> = {}): SessionMeta {
  return {
    ipAddress: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (test)',
    deviceName: 'Chrome on macOS',
    deviceType: 'desktop',
    fingerprint: 'a'.repeat(64),
    ...overrides,
  };
}

class CheckFailure extends Error {}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}

function equal(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  assert(a === e, `${what}: expected ${e}, got ${a}`);
}

async function rejectsWith(promise: Promise<unknown> | (() => unknown), code: string, what: string) {
  let error: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    error = e;
  }
  assert(
    error instanceof SessionError && error.code === code,
    `${what}: expected SessionError ${code}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
  );
}

/** One request the way a framework package runs it: load, handler, commit, and the browser keeps the cookies. */
async function request<D extends object = Record<string, unknown>>(
  browser: MemoryBrowser,
  store: SessionStore,
  handler: (m: SessionManager<D>) => unknown = () => {},
  overrides: Parameters<MemoryBrowser['next']>[0] = {},
) {
  const port = browser.next(overrides);
  const manager = new SessionManager<D>(store, port);
  await manager.load();
  let failed = false;
  try {
    await handler(manager);
  } catch (error) {
    failed = true;
    await manager.commit({ failed });
    throw error;
  }
  await manager.commit();
  browser.receive(port);
  return { port, manager };
}

const checks: [name: string, run: Check][] = [
  [
    'migrateToLatest creates the table and is idempotent',
    async (t) => {
      // On a table of its own, so that it also runs where the runner created sess_sessions another way.
      const tableName = 'sess_migrate_check';
      const first = await migrateToLatest(t.db, { tableName });
      equal(first.results?.length, 4, 'migrations run the first time');
      const second = await migrateToLatest(t.db, { tableName });
      equal(second.results?.length, 0, 'migrations run the second time');
      const s = t.store({ tableName });
      const { token } = await s.create(meta(), 'alice');
      equal((await s.readByToken(token))?.userId, 'alice', 'a session in the migrated table');
    },
  ],
  [
    'create / read / readByToken: the token opens the session until ttl',
    async (t) => {
      const s = t.store({ ttl: '1h' });
      const { session, token } = await s.create(meta(), 'alice', { theme: 'dark', n: 1, nested: { é: '✓' } });
      equal(session.userId, 'alice', 'userId');
      equal(session.expiresAt.getTime() - session.createdAt.getTime(), 3_600_000, 'ttl');
      equal((await s.read(session.id))?.data, { theme: 'dark', n: 1, nested: { é: '✓' } }, 'read data');
      equal((await s.readByToken(token))?.id, session.id, 'readByToken id');
      equal(await s.readByToken(SessionToken.generate()), null, 'unknown token');
      equal(await s.read('01JUNKNOWNUNKNOWNUNKNOWN00'), null, 'unknown id');
      t.clock.advance('1h');
      equal(await s.readByToken(token), null, 'readByToken after ttl');
      assert((await s.read(session.id)) !== null, 'read() still sees the expired row');
    },
  ],
  [
    'tokens are never stored, only their SHA-256',
    async (t) => {
      const s = t.store({ maxSessionsPerUser: 3 });
      const tokens: SessionToken[] = [];
      for (let i = 0; i < 4; i++) tokens.push((await s.create(meta(), `user${i % 2}`, { i })).token);
      const { session, token } = await s.create(meta(), 'carol');
      tokens.push(token, await s.rotateToken(session.id, { grace: '30s' }));
      const rows = await t.rows();
      const text = JSON.stringify(rows).toLowerCase();
      for (const tk of tokens) assert(!text.includes(tk.expose()), 'a plaintext token is in the table');
      equal(rows.find((r) => r.id === session.id)?.token_hash, tokens.at(-1)?.hash(), 'token_hash');
      const presented = SessionToken.parse(rows[0]?.token_hash);
      assert(presented !== null, 'a token_hash parses as a token');
      equal(await s.readByToken(presented), null, 'a stored hash presented as a token');
    },
  ],
  [
    'rotateToken: the old token fails at once; with grace it works until the window ends',
    async (t) => {
      const s = t.store();
      const { session, token } = await s.create(meta(), 'alice');
      const second = await s.rotateToken(session.id);
      equal(await s.readByToken(token), null, 'old token without grace');
      equal((await s.readByToken(second))?.id, session.id, 'new token');
      const third = await s.rotateToken(session.id, { grace: '30s' });
      equal((await s.readByToken(second))?.id, session.id, 'replaced token within grace');
      equal((await s.readByToken(third))?.id, session.id, 'newest token');
      t.clock.advance('31s');
      equal(await s.readByToken(second), null, 'replaced token after grace');
      equal((await s.readByToken(third))?.id, session.id, 'newest token after grace');
      await rejectsWith(s.rotateToken('01JUNKNOWNUNKNOWNUNKNOWN00'), 'SESSION_NOT_FOUND', 'missing session');
    },
  ],
  [
    'touch moves last activity and expiry; absoluteTtl caps it',
    async (t) => {
      const s = t.store({ ttl: '1h', absoluteTtl: '2h' });
      const { session, token } = await s.create(meta(), 'alice');
      t.clock.advance('50m');
      assert(await s.touch(session.id, new Date(t.clock.now().getTime() + 3_600_000)), 'touch resolves true');
      const read = await s.read(session.id);
      equal(read?.lastActiveAt.getTime(), t.clock.now().getTime(), 'lastActiveAt');
      equal(read?.expiresAt.getTime(), t.clock.now().getTime() + 3_600_000, 'expiresAt');
      t.clock.advance('55m');
      assert(await s.readByToken(token), 'alive after the touch');
      await s.touch(session.id, new Date(t.clock.now().getTime() + 3_600_000));
      equal(
        (await s.read(session.id))?.expiresAt.getTime(),
        session.createdAt.getTime() + 7_200_000,
        'expiry capped at createdAt + absoluteTtl',
      );
      await s.destroy(session.id);
      equal(await s.touch(session.id, t.clock.now()), false, 'touch of a deleted session');
      equal(await t.rows(), [], 'no row recreated');
    },
  ],
  [
    'applyChanges: 50 concurrent changes to different keys are all kept',
    async (t) => {
      const s = t.store();
      const { session } = await s.create(meta(), 'alice', { base: true });
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          s.applyChanges(
            session.id,
            { data: { base: true }, version: 0 },
            { set: { [`k${i}`]: i }, remove: [] },
          ),
        ),
      );
      assert(results.every(Boolean), 'every change resolved true');
      const data = ((await s.read(session.id))?.data ?? {}) as Record<string, unknown>;
      equal(Object.keys(data).length, 51, 'keys');
      for (let i = 0; i < 50; i++) equal(data[`k${i}`], i, `k${i}`);
    },
  ],
  [
    'destroy / destroyForUser / destroyAllForUser / destroyAllExcept / listForUser',
    async (t) => {
      const s = t.store();
      const a1 = await s.create(meta(), 'alice');
      t.clock.advance('1s');
      const a2 = await s.create(meta(), 'alice');
      t.clock.advance('1s');
      const a3 = await s.create(meta(), 'alice');
      const b1 = await s.create(meta(), 'bob');
      equal(
        (await s.listForUser('alice')).map((x) => x.id),
        [a3.session.id, a2.session.id, a1.session.id],
        'listForUser, most recently active first',
      );
      equal(await s.destroyForUser('bob', a1.session.id), false, "bob revoking alice's session");
      equal(await s.destroyForUser('alice', a1.session.id), true, 'alice revoking her own');
      equal(await s.destroyAllExcept('alice', a3.session.id), 1, 'destroyAllExcept count');
      equal(
        (await s.listForUser('alice')).map((x) => x.id),
        [a3.session.id],
        'left after destroyAllExcept',
      );
      await s.destroy(b1.session.id);
      await s.destroy(b1.session.id); // absent: no error
      equal(await s.readByToken(b1.token), null, 'destroyed token');
      await s.create(meta(), 'bob');
      equal(await s.destroyAllForUser('alice'), 1, 'destroyAllForUser count');
      equal(
        (await t.rows()).map((r) => r.user_id),
        ['bob'],
        "only bob's session is left",
      );
    },
  ],
  [
    'maxSessionsPerUser evicts the least recently active, never the new one',
    async (t) => {
      const s = t.store({ maxSessionsPerUser: 3 });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await s.create(meta(), 'alice', { i })).session.id);
        t.clock.advance('1s');
      }
      equal(
        (await s.listForUser('alice')).map((x) => x.id),
        ids.slice(2).reverse(),
        'the three newest are kept',
      );
      const one = t.store({ maxSessionsPerUser: 1 });
      const last = await one.create(meta(), 'alice');
      equal(
        (await s.listForUser('alice')).map((x) => x.id),
        [last.session.id],
        'cap 1 keeps the newest',
      );
    },
  ],
  [
    "expired sessions do not count toward the cap and are swept by the user's next sign-in",
    async (t) => {
      const s = t.store({ maxSessionsPerUser: 2, ttl: '1h' });
      await s.create(meta(), 'alice');
      await s.create(meta(), 'alice');
      t.clock.advance('2h');
      await s.create(meta(), 'alice');
      await s.create(meta(), 'alice');
      equal((await t.rows()).length, 2, 'rows');
    },
  ],
  [
    '50 parallel sign-ins of one user leave at most the cap (5)',
    async (t) => {
      const cap = 5;
      const s = t.store({ maxSessionsPerUser: cap });
      const count = async () =>
        Number(
          (
            await t.db
              .selectFrom(TABLE)
              .select((eb) => eb.fn.countAll().as('n'))
              .where('user_id', '=', 'alice')
              .executeTakeFirstOrThrow()
          ).n,
        );
      // A reader counts the user's rows over and over while the sign-ins run: the most it ever saw.
      let maxSeen = 0;
      let done = false;
      const reader = (async () => {
        while (!done) maxSeen = Math.max(maxSeen, await count());
      })();
      await Promise.all(
        Array.from({ length: 50 }, () => request(new MemoryBrowser(), s, (m) => m.authenticate('alice'))),
      );
      done = true;
      await reader;
      const left = await count();
      t.detail(`${left} rows left of cap ${cap}; a concurrent reader saw at most ${maxSeen}`);
      assert(left <= cap && left >= 1, `${left} rows left, cap ${cap}`);
      if (s.config.batch) assert(maxSeen <= cap, `with a batch, ${maxSeen} rows were seen at once`);
    },
  ],
  [
    'cleanupExpired deletes exactly the expired sessions and returns the count',
    async (t) => {
      const s = t.store({ ttl: '1h' });
      for (let i = 0; i < 7; i++) await s.create(meta(), `user${i}`);
      t.clock.advance('30m');
      const live = await s.create(meta(), 'live');
      t.clock.advance('31m');
      equal(await s.cleanupExpired({ batchSize: 3 }), 7, 'deleted');
      equal(
        (await t.rows()).map((r) => r.id),
        [live.session.id],
        'left',
      );
      equal(await s.cleanupExpired(), 0, 'second run');
    },
  ],
  [
    'data limits: non-JSON and oversized data fail with INVALID_DATA and write nothing',
    async (t) => {
      const s = t.store({ maxDataBytes: 1024 });
      await rejectsWith(s.create(meta(), 'alice', { big: 'x'.repeat(2000) }), 'INVALID_DATA', 'oversized');
      await rejectsWith(s.create(meta(), 'alice', { n: 10n } as never), 'INVALID_DATA', 'bigint');
      await rejectsWith(s.create(meta(), ''), 'INVALID_DATA', 'empty user id');
      equal(await t.rows(), [], 'rows');
    },
  ],
  [
    'manager: sign-in sets the cookie, the next request is signed in, logout clears it',
    async (t) => {
      const s = t.store();
      const b = new MemoryBrowser();
      const first = await request(b, s, (m) => m.authenticate('alice', { theme: 'dark' }));
      const cookie = first.port.cookies[0];
      assert(cookie?.name === '_session', 'a _session cookie is set');
      assert(cookie.attributes.httpOnly && cookie.attributes.secure, 'HttpOnly and Secure');
      equal(cookie.attributes.maxAge, 30 * 86_400, 'Max-Age');
      const next = await request(b, s);
      equal(next.manager.userId, 'alice', 'userId');
      equal(next.manager.get('theme'), 'dark', 'data');
      await request(b, s, (m) => m.logout());
      equal(b.jar.size, 0, 'cookie jar after logout');
      equal(await t.rows(), [], 'rows after logout');
    },
  ],
  [
    'manager: signed cookies (cookie.secret, HMAC); a tampered cookie opens nothing',
    async (t) => {
      const s = t.store({}, { secret: SECRET });
      const b = new MemoryBrowser();
      await request(b, s, (m) => m.authenticate('alice'));
      const value = b.jar.get('_session') as string;
      assert(value.includes('.') && value.length > 64, `a signed cookie value (got ${value.length} chars)`);
      equal((await request(b, s)).manager.userId, 'alice', 'signed cookie opens the session');
      const tampered = new MemoryBrowser();
      const last = value.at(-1) === 'A' ? 'B' : 'A';
      tampered.jar.set('_session', value.slice(0, -1) + last);
      const r = await request(tampered, s);
      equal(r.manager.userId, null, 'tampered cookie userId');
      equal(r.manager.rejection, 'bad_signature', 'rejection');
      const unsigned = new MemoryBrowser();
      unsigned.jar.set('_session', value.split('.')[0] as string);
      equal((await request(unsigned, s)).manager.userId, null, 'the bare token without signature');
    },
  ],
  [
    'manager: a fingerprint mismatch (another browser family) destroys the session',
    async (t) => {
      const s = t.store();
      const b = new MemoryBrowser({ headers: { 'user-agent': CHROME_MAC } });
      await request(b, s, (m) => m.authenticate('alice'));
      const thief = new MemoryBrowser({ headers: { 'user-agent': FIREFOX_WINDOWS } });
      thief.jar.set('_session', b.jar.get('_session') as string);
      const r = await request(thief, s);
      equal(r.manager.userId, null, 'thief userId');
      equal(r.manager.rejection, 'fingerprint_mismatch', 'rejection');
      equal(await t.rows(), [], 'session destroyed');
      equal((await request(b, s)).manager.userId, null, 'the owner is signed out too');
    },
  ],
  [
    'manager: guest → user upgrade keeps the data under a new token and removes the guest row',
    async (t) => {
      const s = t.store({ guests: true });
      const b = new MemoryBrowser();
      const bot = await request(new MemoryBrowser(), s);
      equal(bot.port.cookies, [], 'no cookie for a request that sets nothing');
      await request<{ cart?: string[] }>(b, s, (m) => m.set('cart', ['book']));
      const guestCookie = b.jar.get('_session');
      const guest = await request(b, s);
      assert(guest.manager.isGuest && guest.manager.userId === null, 'a guest session');
      await request(b, s, (m) => m.authenticate('alice'));
      assert(b.jar.get('_session') !== guestCookie, 'a new cookie');
      const after = await request<{ cart?: string[] }>(b, s);
      equal(after.manager.userId, 'alice', 'userId');
      equal(after.manager.get('cart'), ['book'], 'cart');
      equal(
        (await t.rows()).map((r) => r.user_id),
        ['alice'],
        'rows',
      );
      const replay = new MemoryBrowser();
      replay.jar.set('_session', guestCookie as string);
      equal((await request(replay, s)).manager.rejection, 'replaced', 'the old guest token');
    },
  ],
  [
    'manager: remember: false sets a cookie without Max-Age and a row living browserSessionTtl',
    async (t) => {
      const s = t.store({ browserSessionTtl: '2h' });
      const b = new MemoryBrowser();
      const r = await request(b, s, (m) => m.authenticate('alice', {}, { remember: false }));
      const cookie = r.port.cookies[0];
      assert(cookie !== undefined, 'a cookie');
      equal(cookie.attributes.maxAge, undefined, 'Max-Age');
      equal(cookie.attributes.expires, undefined, 'Expires');
      assert(
        !/max-age|expires/i.test(r.port.setCookieHeaders()[0] ?? ''),
        'no Max-Age/Expires in Set-Cookie',
      );
      const row = (await s.listForUser('alice'))[0];
      equal(row?.remembered, false, 'remembered');
      equal((row?.expiresAt.getTime() ?? 0) - t.clock.now().getTime(), 7_200_000, 'row lifetime');
    },
  ],
  [
    'manager: a flash is read once',
    async (t) => {
      const s = t.store();
      const b = new MemoryBrowser();
      await request(b, s, (m) => m.authenticate('alice'));
      await request(b, s, (m) => m.flash('notice', 'Saved'));
      let peeked: unknown;
      let taken: unknown;
      await request(b, s, (m) => {
        peeked = m.peekFlash('notice');
        taken = m.takeFlash('notice');
      });
      equal(peeked, 'Saved', 'peekFlash');
      equal(taken, 'Saved', 'takeFlash');
      let again: unknown = 'unset';
      await request(b, s, (m) => {
        again = m.takeFlash('notice');
      });
      equal(again, undefined, 'second takeFlash');
    },
  ],
  [
    'manager: requireFresh after a while needs reauthenticate, which rotates the token',
    async (t) => {
      const s = t.store();
      const b = new MemoryBrowser();
      await request(b, s, (m) => m.authenticate('alice', { keep: 1 }));
      const before = b.jar.get('_session');
      await request(b, s, (m) => m.requireFresh('5m'));
      t.clock.advance('10m');
      await rejectsWith(
        () => request(b, s, (m) => m.requireFresh('5m')),
        'REAUTHENTICATION_REQUIRED',
        'stale',
      );
      await request(b, s, (m) => m.reauthenticate());
      assert(b.jar.get('_session') !== before, 'a new token after reauthenticate');
      const r = await request<{ keep?: number }>(b, s, (m) => m.requireFresh('5m'));
      equal(r.manager.authenticatedAt?.getTime(), t.clock.now().getTime(), 'authenticatedAt');
      equal(r.manager.get('keep'), 1, 'data kept');
      const old = new MemoryBrowser();
      old.jar.set('_session', before as string);
      equal((await request(old, s)).manager.rejection, 'replaced', 'the old token');
      await rejectsWith(
        () => request(new MemoryBrowser(), s, (m) => m.requireFresh('5m')),
        'UNAUTHENTICATED',
        'anonymous',
      );
    },
  ],
  [
    'manager: concurrent requests of one session changing different keys keep both',
    async (t) => {
      const s = t.store();
      const b = new MemoryBrowser();
      await request(b, s, (m) => m.authenticate('alice'));
      await Promise.all(
        ['a', 'b', 'c', 'd'].map((k) => request<Record<string, number>>(b, s, (m) => m.set(k, 1))),
      );
      const r = await request<Record<string, number>>(b, s);
      equal(
        ['a', 'b', 'c', 'd'].map((k) => r.manager.get(k)),
        [1, 1, 1, 1],
        'keys',
      );
    },
  ],
  [
    'manager: listMySessions, revoke another device, logoutOther, logoutAll',
    async (t) => {
      const s = t.store();
      const laptop = new MemoryBrowser();
      const phone = new MemoryBrowser();
      const tablet = new MemoryBrowser();
      await request(laptop, s, (m) => m.authenticate('alice'));
      t.clock.advance('1s');
      await request(phone, s, (m) => m.authenticate('alice'));
      t.clock.advance('1s');
      await request(tablet, s, (m) => m.authenticate('alice'));
      let list: { id: string; current: boolean }[] = [];
      await request(laptop, s, async (m) => {
        list = await m.listMySessions();
      });
      equal(list.length, 3, 'devices');
      equal(list.filter((x) => x.current).length, 1, 'one current');
      const phoneId = (await request(phone, s)).manager.current()?.id as string;
      await request(laptop, s, (m) => m.revoke(phoneId));
      const revoked = await request(phone, s);
      equal(revoked.manager.userId, null, 'revoked phone');
      equal(revoked.manager.rejection, 'not_found', 'revoked rejection');
      let others = -1;
      await request(laptop, s, async (m) => {
        others = await m.logoutOther();
      });
      equal(others, 1, 'logoutOther count');
      equal((await request(tablet, s)).manager.userId, null, 'tablet signed out');
      await request(laptop, s, (m) => m.logoutAll());
      equal(await t.rows(), [], 'rows after logoutAll');
    },
  ],
  [
    'manager: touch after touchInterval slides the expiry; an idle session expires',
    async (t) => {
      const s = t.store({ ttl: '1h', touchInterval: '5m' });
      const b = new MemoryBrowser();
      await request(b, s, (m) => m.authenticate('alice'));
      t.clock.advance('50m');
      const touched = await request(b, s);
      equal(touched.manager.userId, 'alice', 'alive at 50m');
      t.clock.advance('50m');
      equal((await request(b, s)).manager.userId, 'alice', 'alive 100m after sign-in thanks to the touch');
      t.clock.advance('61m');
      // Its row is past expires_at, so the lookup finds nothing: the rejection reads `not_found` ('expired' is for a
      // row that outlived a ttl or absoluteTtl shortened since it was written).
      equal((await request(b, s)).manager.userId, null, 'idle for more than ttl');
    },
  ],
  [
    'manager: rotate keeps the session under a new cookie; the old one works within rotationGrace',
    async (t) => {
      const s = t.store({ rotationGrace: '30s' });
      const b = new MemoryBrowser();
      await request(b, s, (m) => m.authenticate('alice'));
      const old = b.jar.get('_session') as string;
      await request(b, s, (m) => m.rotate());
      assert(b.jar.get('_session') !== old, 'a new cookie');
      equal((await request(b, s)).manager.userId, 'alice', 'new cookie');
      const tab = new MemoryBrowser();
      tab.jar.set('_session', old);
      equal((await request(tab, s)).manager.userId, 'alice', 'old cookie within grace');
      t.clock.advance('31s');
      equal((await request(tab, s)).manager.userId, null, 'old cookie after grace');
    },
  ],
];

/** The names of the checks, in order (the vitest files make one test of each). */
export const checkNames: readonly string[] = checks.map(([name]) => name);

function describeError(error: unknown): string {
  if (error instanceof CheckFailure) return error.message;
  if (error instanceof Error) {
    const stack = (error.stack ?? '').split('\n').slice(1, 6).join('\n');
    return `${error.name}: ${error.message}${'code' in error ? ` (code ${String(error.code)})` : ''}\n${stack}`;
  }
  return String(error);
}

/**
 * Runs every check on `db` (a SQLite database through any Kysely dialect), one after another, each on an empty
 * `sess_sessions` table; never throws.
 */
export async function runConformance(
  db: Kysely<any>,
  options: ConformanceOptions = {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  try {
    await (options.schema ?? migrateToLatest)(db);
  } catch (error) {
    return checks.map(([name]) => ({
      name,
      ok: false,
      error: `creating the table: ${describeError(error)}`,
    }));
  }
  for (const [name, run] of checks) {
    if (options.only && !name.includes(options.only)) continue;
    let detail: string | undefined;
    const clock = new FakeClock('2030-01-01T00:00:00.000Z');
    const context: Context = {
      db,
      clock,
      store: (overrides = {}, cookie = {}) =>
        new SessionStore(db, { now: clock.now, ...options.store, ...overrides }, cookie),
      rows: async () =>
        (await db.selectFrom(TABLE).selectAll().orderBy('id').execute()) as Record<string, unknown>[],
      detail: (text) => {
        detail = text;
      },
    };
    try {
      await db.deleteFrom(TABLE).execute();
      await db.schema.dropTable('sess_migrate_check').ifExists().execute();
      await db.schema.dropTable('sess_migrate_check_migrations').ifExists().execute();
      await db.schema.dropTable('sess_migrate_check_migrations_lock').ifExists().execute();
      await run(context);
      results.push({ name, ok: true, ...(detail === undefined ? {} : { detail }) });
    } catch (error) {
      results.push({
        name,
        ok: false,
        error: describeError(error),
        ...(detail === undefined ? {} : { detail }),
      });
    }
  }
  return results;
}

import Database from 'better-sqlite3';
import { type CompiledQuery, Kysely, SqliteDialect } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  migrateToLatest,
  type SessionBatch,
  type SessionEvent,
  type SessionOptions,
  SessionStore,
} from '../src/index.js';
import { FakeClock, MemoryBrowser, wrapDialect } from '../src/testing/index.js';
import { request } from './support/requests.js';

// Cloudflare D1 (and other SQLite services) have no interactive transactions: kysely-d1's beginTransaction throws.
// sess never opens one on SQLite; with `batch`, a sign-in's statements run as one atomic batch.
const NO_TRANSACTIONS = 'Transactions are not supported yet.';

describe.each([
  ['statement by statement', false],
  ['with an atomic batch', true],
])('SQLite without interactive transactions, %s', (_name, batched) => {
  let sqlite: Database.Database;
  let db: Kysely<any>;
  let clock: FakeClock;
  let events: SessionEvent[];
  let batches: string[][];

  /** D1's batch() on better-sqlite3: the statements in order, in one transaction, all or nothing. */
  const batch: SessionBatch = async (queries: readonly CompiledQuery[]) => {
    batches.push(queries.map((q) => q.sql.split(' ')[0] as string));
    return sqlite.transaction(() =>
      queries.map((q) => {
        const statement = sqlite.prepare(q.sql);
        const parameters = q.parameters as unknown[];
        if (statement.reader) return { rows: statement.all(...parameters) };
        statement.run(...parameters);
        return { rows: [] };
      }),
    )();
  };
  const store = (options: SessionOptions = {}) =>
    new SessionStore(db, {
      now: clock.now,
      onEvent: (e) => void events.push(e),
      guests: true,
      ...(batched ? { batch } : {}),
      ...options,
    });
  const users = async () =>
    (await db.selectFrom('sess_sessions').select('user_id').orderBy('user_id').execute()).map(
      (r) => r.user_id,
    );

  beforeEach(async () => {
    sqlite = new Database(':memory:');
    db = new Kysely({
      dialect: wrapDialect(new SqliteDialect({ database: sqlite }), (sql) => {
        if (/^\s*(begin|savepoint)/i.test(sql)) throw new Error(NO_TRANSACTIONS);
      }),
    });
    clock = new FakeClock('2030-01-01T00:00:00.000Z');
    events = [];
    batches = [];
    await migrateToLatest(db);
  });

  it('signs in, trims to the cap with the right reasons, and never opens a transaction', async () => {
    const s = store({ maxSessionsPerUser: 2, ttl: '1h' });
    const browser = () => new MemoryBrowser();
    await request(browser(), s, (m) => m.authenticate('alice'));
    clock.advance(3600); // that one expires
    await request(browser(), s, (m) => m.authenticate('alice'));
    clock.advance(1);
    await request(browser(), s, (m) => m.authenticate('alice'));
    clock.advance(1);
    await request(browser(), s, (m) => m.authenticate('alice'));
    expect(await users()).toEqual(['alice', 'alice']);
    const reasons = events.flatMap((e) => (e.type === 'destroyed' ? [e.reason] : []));
    expect(reasons).toEqual(['expiry_cleanup', 'eviction']);
    expect(batches).toEqual(batched ? Array(4).fill(['insert', 'delete']) : []);
  });

  it('keeps the cap under 50 parallel sign-ins of one user', async () => {
    const s = store({ maxSessionsPerUser: 5 });
    await Promise.all(
      Array.from({ length: 50 }, () => request(new MemoryBrowser(), s, (m) => m.authenticate('alice'))),
    );
    // With a batch each sign-in is atomic: exactly the cap. Statement by statement, a sign-in's trim may remove a
    // sign-in whose own trim already ran, so the cap holds and one fewer may be left.
    const left = (await users()).length;
    expect(left).toBeLessThanOrEqual(5);
    expect(left).toBeGreaterThanOrEqual(batched ? 5 : 4);
  });

  it('upgrades a guest: new token, the cart carried over, the guest row gone, the old token replaced', async () => {
    const s = store();
    const b = new MemoryBrowser();
    await request<{ cart?: string[] }>(b, s, (m) => m.set('cart', ['book']));
    const guestCookie = b.jar.get('_session');
    const guestId = events.find((e) => e.type === 'created')?.sessionId;
    await request(b, s, (m) => m.authenticate('alice'));
    expect(b.jar.get('_session')).not.toBe(guestCookie);
    expect(await users()).toEqual(['alice']);
    const after = await request<{ cart?: string[] }>(b, s);
    expect(after.manager.get('cart')).toEqual(['book']);
    const created = events.filter((e) => e.type === 'created');
    expect(created.at(-1)).toMatchObject({ guest: false, upgradedFrom: guestId });
    const thief = new MemoryBrowser();
    thief.jar.set('_session', guestCookie as string);
    const replay = await request(thief, s);
    expect(replay.manager.rejection).toBe('replaced');
    expect(batches.at(-1)).toEqual(batched ? ['insert', 'delete', 'delete'] : undefined);
  });

  it('reauthenticates, rotates, signs out everywhere and cleans up without a transaction', async () => {
    const s = store({ ttl: '1h' });
    const b = new MemoryBrowser();
    await request(b, s, (m) => m.authenticate('alice'));
    await request(b, s, (m) => m.reauthenticate());
    await request(b, s, (m) => m.rotate());
    expect((await request(b, s)).manager.userId).toBe('alice');
    await request(new MemoryBrowser(), s, (m) => m.authenticate('alice'));
    await request(b, s, (m) => m.logoutAll());
    expect(await users()).toEqual([]);
    await request(new MemoryBrowser(), s, (m) => m.authenticate('bob'));
    clock.advance(3601);
    expect(await s.cleanupExpired()).toBe(1);
  });
});

import { inspect } from 'node:util';
import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  migrateToLatest,
  SessionError,
  type SessionEvent,
  type SessionOptions,
  SessionStore,
  SessionToken,
} from '../src/index.js';
import { FakeClock } from '../src/testing/index.js';
import { meta } from './support/fixtures.js';

const DAY = 86_400_000;

async function expectStoreFailure(promise: Promise<unknown>, op: string): Promise<SessionError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a STORE_FAILURE');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SessionError);
  expect((error as SessionError).code).toBe('STORE_FAILURE');
  expect((error as SessionError).status).toBe(503);
  expect((error as SessionError).message).toContain(op);
  expect((error as SessionError).cause).toBeInstanceOf(Error);
  return error as SessionError;
}

forEachDialect((spec) => {
  const table = uniqueTableName('store');
  const t = useTestDatabase(spec, { sessionTables: [table] });
  let clock: FakeClock;
  const store = (options: SessionOptions = {}) =>
    new SessionStore(t.db, { tableName: table, now: clock.now, ...options });
  const rows = async () => (await t.db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[];

  beforeAll(async () => {
    await migrateToLatest(t.db, { tableName: table });
  });
  beforeEach(async () => {
    clock = new FakeClock('2030-01-01T00:00:00.000Z');
    await t.db.deleteFrom(table).execute();
  });

  describe('create / read / readByToken', () => {
    it('creates a session that its token opens, expiring after ttl', async () => {
      const s = store({ ttl: '2d' });
      const { session, token } = await s.create(meta(), 'alice', { theme: 'dark' });
      expect(session.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(session.userId).toBe('alice');
      expect(session.data).toEqual({ theme: 'dark' });
      expect(session.createdAt.toISOString()).toBe('2030-01-01T00:00:00.000Z');
      expect(session.expiresAt.getTime()).toBe(clock.now().getTime() + 2 * DAY);
      expect(await s.readByToken(token)).toEqual(session);
      expect(await s.read(session.id)).toEqual(session);
    });

    it('returns a plain SessionData that never carries the token or its hash', async () => {
      const { session, token } = await store().create(meta(), 'alice');
      const loaded = await store().readByToken(token);
      for (const value of [session, loaded]) {
        expect(Object.keys(value ?? {}).sort()).toEqual(
          [
            'createdAt',
            'data',
            'deviceName',
            'deviceType',
            'expiresAt',
            'fingerprint',
            'id',
            'ipAddress',
            'lastActiveAt',
            'userAgent',
            'userId',
            'remembered',
            'authenticatedAt',
          ].sort(),
        );
        expect(JSON.stringify(value)).not.toContain(token.expose());
        expect(JSON.stringify(value)).not.toContain(token.hash());
      }
    });

    it('defaults data to an empty object', async () => {
      const { session } = await store().create(meta(), 'alice');
      expect(session.data).toEqual({});
      expect((await store().read(session.id))?.data).toEqual({});
    });

    it('keeps expired sessions out of readByToken and listForUser but visible to read', async () => {
      const s = store({ ttl: 60 });
      const { session, token } = await s.create(meta(), 'alice');
      clock.advance(59);
      expect(await s.readByToken(token)).not.toBeNull();
      clock.advance(1); // now == expires_at: no longer live
      expect(await s.readByToken(token)).toBeNull();
      expect(await s.listForUser('alice')).toEqual([]);
      expect((await s.read(session.id))?.id).toBe(session.id);
    });

    it('returns null for an unknown id or token', async () => {
      expect(await store().read('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBeNull();
      expect(await store().readByToken(SessionToken.generate())).toBeNull();
    });

    it('does not authenticate a stored token_hash presented as a token', async () => {
      const { session } = await store().create(meta(), 'alice');
      const [row] = await rows();
      const presented = SessionToken.parse(row?.token_hash);
      expect(presented).not.toBeNull();
      expect(await store().readByToken(presented as SessionToken)).toBeNull();
      expect(row?.id).toBe(session.id);
    });

    it('stores only the SHA-256 of the token: no column of any row holds a plaintext token', async () => {
      const s = store({ maxSessionsPerUser: 3 });
      const tokens: SessionToken[] = [];
      for (let i = 0; i < 5; i++) tokens.push((await s.create(meta(), `user${i % 2}`, { i })).token);
      const { session, token } = await s.create(meta(), 'carol');
      tokens.push(token, await s.rotateToken(session.id));
      await s.touch(session.id, new Date(clock.now().getTime() + DAY));
      await s.updateData(session.id, { after: 'rotate' });
      const all = await rows();
      expect(all.length).toBeGreaterThan(0);
      const text = JSON.stringify(all).toLowerCase();
      for (const tk of tokens) expect(text).not.toContain(tk.expose());
      // and what is stored is exactly the hash
      expect(all.find((r) => r.id === session.id)?.token_hash).toBe(tokens.at(-1)?.hash());
    });

    it('round-trips JSON data exactly: nested objects, unicode, numbers', async () => {
      const data = {
        nested: { a: [1, 2, { b: null }], deep: { deeper: { deepest: true } } },
        unicode: 'Grüße 👋 日本語 \u2028 "quotes" \\ backslash \n newline',
        emoji: '🧑‍💻',
        numbers: [0, -0.5, 1e21, 123456789.123, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 5e-324],
        empty: {},
        list: [],
        bool: false,
      };
      const { session, token } = await store().create(meta(), 'alice', data);
      const expected = JSON.parse(JSON.stringify(data));
      expect((await store().readByToken(token))?.data).toEqual(expected);
      expect((await store().read(session.id))?.data).toEqual(expected);
    });

    it('rejects data that is not JSON-serialisable with INVALID_DATA and writes nothing', async () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      for (const bad of [{ n: 10n }, cyclic, { f: () => 1 }, { d: new Date() }, { x: Number.NaN }, [1, 2]]) {
        await expect(store().create(meta(), 'alice', bad as never)).rejects.toMatchObject({
          code: 'INVALID_DATA',
        });
      }
      expect(await rows()).toEqual([]);
    });

    it('rejects an empty user id', async () => {
      await expect(store().create(meta(), '')).rejects.toMatchObject({ code: 'INVALID_DATA' });
    });

    it('compares user ids exactly (case-sensitive on every database)', async () => {
      await store().create(meta(), 'Alice');
      expect(await store().listForUser('alice')).toEqual([]);
      expect(await store().destroyAllForUser('ALICE')).toBe(0);
      expect(await store().listForUser('Alice')).toHaveLength(1);
    });
  });

  describe('rotateToken', () => {
    it('makes the old token fail at once and the new one work, without extending expiry', async () => {
      const s = store();
      const { session, token } = await s.create(meta(), 'alice');
      clock.advance('1h');
      const fresh = await s.rotateToken(session.id);
      expect(fresh.equals(token)).toBe(false);
      expect(await s.readByToken(token)).toBeNull();
      const loaded = await s.readByToken(fresh);
      expect(loaded?.id).toBe(session.id);
      expect(loaded?.expiresAt).toEqual(session.expiresAt);
    });

    it('with grace, lets the replaced token open the session until the window ends, then not', async () => {
      const s = store();
      const { session, token } = await s.create(meta(), 'alice');
      const fresh = await s.rotateToken(session.id, { grace: '30s' });
      expect((await s.readByToken(token))?.id).toBe(session.id);
      expect((await s.readByToken(fresh))?.id).toBe(session.id);
      clock.advance(29);
      expect((await s.readByToken(token))?.id).toBe(session.id);
      clock.advance(1);
      expect(await s.readByToken(token)).toBeNull();
      expect((await s.readByToken(fresh))?.id).toBe(session.id);
    });

    it('a rotation without grace ends the grace of an earlier one at once', async () => {
      const s = store();
      const { session, token } = await s.create(meta(), 'alice');
      await s.rotateToken(session.id, { grace: 30 });
      const last = await s.rotateToken(session.id);
      expect(await s.readByToken(token)).toBeNull();
      expect((await s.readByToken(last))?.id).toBe(session.id);
    });

    it('never lets a replaced token outlive its session', async () => {
      const s = store({ ttl: 10 });
      const { session, token } = await s.create(meta(), 'alice');
      await s.rotateToken(session.id, { grace: 60 });
      clock.advance(10);
      expect(await s.readByToken(token)).toBeNull();
      await s.destroy(session.id);
      clock.set(clock.now().getTime() - 10_000);
      expect(await s.readByToken(token)).toBeNull();
    });

    it('throws SESSION_NOT_FOUND for a missing session', async () => {
      await expect(store().rotateToken('01ARZ3NDEKTSV4RRFFQ69G5FAV')).rejects.toMatchObject({
        code: 'SESSION_NOT_FOUND',
        status: 404,
      });
    });
  });

  describe('touch / updateData', () => {
    it('touch moves last_active_at to now and expires_at to the given time', async () => {
      const s = store();
      const { session, token } = await s.create(meta(), 'alice');
      clock.advance('10m');
      const target = new Date(clock.now().getTime() + 7 * DAY);
      expect(await s.touch(session.id, target)).toBe(true);
      const loaded = await s.readByToken(token);
      expect(loaded?.lastActiveAt).toEqual(clock.now());
      expect(loaded?.expiresAt).toEqual(target);
    });

    it('never lets a touch extend a session past created_at + absoluteTtl', async () => {
      const s = store({ ttl: '1d', absoluteTtl: '2d' });
      const { session, token } = await s.create(meta(), 'alice');
      const deadline = session.createdAt.getTime() + 2 * DAY;
      for (let i = 0; i < 5; i++) {
        clock.advance('12h');
        await s.touch(session.id, new Date(clock.now().getTime() + DAY));
        expect((await s.read(session.id))?.expiresAt.getTime()).toBeLessThanOrEqual(deadline);
      }
      expect((await s.read(session.id))?.expiresAt.getTime()).toBe(deadline);
      clock.set(deadline);
      expect(await s.readByToken(token)).toBeNull();
    });

    it('caps the first expiry by absoluteTtl when it is shorter than ttl', async () => {
      const { session } = await store({ ttl: '30d', absoluteTtl: '1h' }).create(meta(), 'alice');
      expect(session.expiresAt.getTime()).toBe(session.createdAt.getTime() + 3_600_000);
    });

    it('updateData replaces the data', async () => {
      const s = store();
      const { session, token } = await s.create(meta(), 'alice', { a: 1, b: 2 });
      expect(await s.updateData(session.id, { c: 3 })).toBe(true);
      expect((await s.readByToken(token))?.data).toEqual({ c: 3 });
    });

    it('does not recreate a deleted session: touch and updateData resolve false and insert nothing', async () => {
      const s = store();
      const { session } = await s.create(meta(), 'alice');
      await s.destroy(session.id);
      expect(await s.touch(session.id, new Date(clock.now().getTime() + DAY))).toBe(false);
      expect(await s.updateData(session.id, { x: 1 })).toBe(false);
      expect(
        await s.applyChanges(session.id, { data: {}, version: 0 }, { set: { x: 1 }, remove: [] }, undefined),
      ).toBe(false);
      expect(await rows()).toEqual([]);
    });

    it('updateData rejects data that is not JSON with INVALID_DATA and keeps the old data', async () => {
      const s = store();
      const { session } = await s.create(meta(), 'alice', { keep: true });
      await expect(s.updateData(session.id, { big: 1n } as never)).rejects.toMatchObject({
        code: 'INVALID_DATA',
      });
      expect((await s.read(session.id))?.data).toEqual({ keep: true });
    });
  });

  describe('destroy and listing', () => {
    it('destroy deletes the session and does not fail when it is absent', async () => {
      const s = store();
      const { session, token } = await s.create(meta(), 'alice');
      await s.destroy(session.id);
      await s.destroy(session.id);
      expect(await s.readByToken(token)).toBeNull();
      expect(await s.read(session.id)).toBeNull();
    });

    it('destroyAllForUser deletes every session of that user only', async () => {
      const s = store();
      await s.create(meta(), 'alice');
      await s.create(meta(), 'alice');
      const bob = await s.create(meta(), 'bob');
      expect(await s.destroyAllForUser('alice')).toBe(2);
      expect(await s.listForUser('alice')).toEqual([]);
      expect((await s.readByToken(bob.token))?.userId).toBe('bob');
    });

    it('destroyAllExcept keeps only the given session of the user', async () => {
      const s = store();
      const keep = await s.create(meta(), 'alice');
      await s.create(meta(), 'alice');
      await s.create(meta(), 'alice');
      const bob = await s.create(meta(), 'bob');
      expect(await s.destroyAllExcept('alice', keep.session.id)).toBe(2);
      expect((await s.listForUser('alice')).map((x) => x.id)).toEqual([keep.session.id]);
      expect(await s.readByToken(bob.token)).not.toBeNull();
    });

    it('destroyForUser deletes a session only for its owner', async () => {
      const s = store();
      const a = await s.create(meta(), 'alice');
      expect(await s.destroyForUser('bob', a.session.id)).toBe(false);
      expect(await s.readByToken(a.token)).not.toBeNull();
      expect(await s.destroyForUser('alice', a.session.id)).toBe(true);
      expect(await s.readByToken(a.token)).toBeNull();
    });

    it('listForUser returns live sessions, most recently active first', async () => {
      const s = store();
      const first = await s.create(meta(), 'alice');
      clock.advance(10);
      const second = await s.create(meta(), 'alice');
      clock.advance(10);
      const third = await s.create(meta(), 'alice');
      clock.advance(10);
      await s.touch(first.session.id, new Date(clock.now().getTime() + DAY));
      expect((await s.listForUser('alice')).map((x) => x.id)).toEqual([
        first.session.id,
        third.session.id,
        second.session.id,
      ]);
    });
  });

  describe('maxSessionsPerUser', () => {
    it('evicts the least recently active sessions beyond the cap, never the new one', async () => {
      const s = store({ maxSessionsPerUser: 3 });
      const made = [];
      for (let i = 0; i < 3; i++) {
        made.push(await s.create(meta(), 'alice'));
        clock.advance(60);
      }
      // Make the oldest the most recently active: the second one is now the least recently active.
      await s.touch(made[0]?.session.id as string, new Date(clock.now().getTime() + DAY));
      clock.advance(60);
      const newest = await s.create(meta(), 'alice');
      const ids = (await s.listForUser('alice')).map((x) => x.id);
      expect(ids).toEqual([newest.session.id, made[0]?.session.id, made[2]?.session.id]);
      expect(await s.readByToken(made[1]?.token as SessionToken)).toBeNull();
    });

    it('breaks ties in last activity by id: the smaller id is evicted first', async () => {
      const s = store({ maxSessionsPerUser: 2 });
      const a = await s.create(meta(), 'alice'); // same instant: same last_active_at
      const b = await s.create(meta(), 'alice');
      expect(a.session.id < b.session.id).toBe(true);
      const c = await s.create(meta(), 'alice');
      const ids = (await s.listForUser('alice')).map((x) => x.id).sort();
      expect(ids).toEqual([b.session.id, c.session.id].sort());
    });

    it('with a cap of 1 keeps only the newest session', async () => {
      const s = store({ maxSessionsPerUser: 1 });
      await s.create(meta(), 'alice');
      clock.advance(1);
      const last = await s.create(meta(), 'alice');
      expect((await s.listForUser('alice')).map((x) => x.id)).toEqual([last.session.id]);
    });

    it('leaves exactly 5 sessions after 20 concurrent creates with maxSessionsPerUser 5, and all succeed', async () => {
      const s = store({ maxSessionsPerUser: 5 });
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => s.create(meta(), 'alice', { i })),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(await s.listForUser('alice')).toHaveLength(5);
      expect(await rows()).toHaveLength(5);
    });

    it("does not count or keep the user's expired sessions", async () => {
      const s = store({ maxSessionsPerUser: 2, ttl: 60 });
      await s.create(meta(), 'alice');
      clock.advance(120);
      await s.create(meta(), 'alice');
      await s.create(meta(), 'alice');
      expect(await rows()).toHaveLength(2);
      expect(await s.listForUser('alice')).toHaveLength(2);
    });
  });

  describe('cleanupExpired', () => {
    it('deletes exactly the expired sessions in batches and returns the count', async () => {
      const s = store({ ttl: 60, maxSessionsPerUser: 1000 });
      for (let i = 0; i < 23; i++) await s.create(meta(), `u${i % 4}`);
      clock.advance(30);
      const live = [];
      for (let i = 0; i < 7; i++) live.push(await s.create(meta(), `u${i % 4}`));
      clock.advance(40); // the first 23 are expired, the 7 are live
      const batches: number[] = [];
      expect(await s.cleanupExpired({ batchSize: 5, onBatch: (n) => batches.push(n) })).toBe(23);
      expect(batches).toEqual([5, 10, 15, 20, 23]);
      const left = await rows();
      expect(left.map((r) => r.id).sort()).toEqual(live.map((l) => l.session.id).sort());
      expect(await s.cleanupExpired({ batchSize: 5 })).toBe(0);
    });

    it('rejects a batch size below 1', async () => {
      await expect(store().cleanupExpired({ batchSize: 0 })).rejects.toMatchObject({
        code: 'INVALID_CONFIG',
      });
    });
  });

  describe('concurrent data changes', () => {
    it('keeps every key when 50 changes to one session run at once', async () => {
      const s = store();
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
      expect(results.every(Boolean)).toBe(true);
      const data = (await s.read(session.id))?.data ?? {};
      expect(Object.keys(data)).toHaveLength(51);
      for (let i = 0; i < 50; i++) expect(data[`k${i}`]).toBe(i);
    });
  });

  describe('input limits', () => {
    it('compares user ids exactly, trailing spaces included (MySQL and MariaDB pad with spaces by default)', async () => {
      const s = store({ maxSessionsPerUser: 1 });
      const alice = await s.create(meta(), 'alice');
      const impostor = await s.create(meta(), 'alice ');
      expect((await s.listForUser('alice')).map((x) => x.id)).toEqual([alice.session.id]);
      expect(await s.destroyForUser('alice ', alice.session.id)).toBe(false);
      expect(await s.destroyAllForUser('alice ')).toBe(1);
      expect((await s.readByToken(alice.token))?.userId).toBe('alice');
      expect(await s.readByToken(impostor.token)).toBeNull();
    });

    it.each([
      ['a NUL', 'ali\u0000ce'],
      ['a control character', 'alice\n'],
      ['a lone high surrogate', 'alice\ud800'],
      ['a lone low surrogate', '\udc00alice'],
      ['nothing', ''],
      ['256 characters', 'a'.repeat(256)],
    ])(
      'refuses a user id with %s with INVALID_DATA on every method, with no query',
      async (_name, userId) => {
        const s = store();
        for (const call of [
          () => s.create(meta(), userId),
          () => s.listForUser(userId),
          () => s.destroyAllForUser(userId),
          () => s.destroyAllExcept(userId, 'x'),
          () => s.destroyForUser(userId, 'x'),
        ]) {
          await expect(call()).rejects.toMatchObject({ code: 'INVALID_DATA' });
        }
        expect(await rows()).toEqual([]);
      },
    );

    it('accepts any other user id and stores it exactly: unicode, emoji, spaces inside, 255 characters', async () => {
      const s = store();
      for (const userId of ['ünïcødé', 'user 😀 42', ' leading', 'b'.repeat(255)]) {
        const { token } = await s.create(meta(), userId);
        expect((await s.readByToken(token))?.userId).toBe(userId);
      }
    });

    it('refuses session data over maxDataBytes with INVALID_DATA, writing nothing', async () => {
      const s = store({ maxDataBytes: 1000 });
      await expect(s.create(meta(), 'alice', { blob: 'x'.repeat(1000) })).rejects.toMatchObject({
        code: 'INVALID_DATA',
        message: expect.stringContaining('maxDataBytes'),
      });
      expect(await rows()).toEqual([]);
      const { session } = await s.create(meta(), 'alice', { small: 'ok' });
      await expect(
        s.applyChanges(
          session.id,
          { data: session.data, version: 0 },
          { set: { blob: 'é'.repeat(500) }, remove: [] },
        ),
      ).rejects.toMatchObject({ code: 'INVALID_DATA' });
      await expect(s.updateData(session.id, { blob: 'x'.repeat(2000) })).rejects.toMatchObject({
        code: 'INVALID_DATA',
      });
      expect((await s.read(session.id))?.data).toEqual({ small: 'ok' });
      expect(store().config.maxDataBytes).toBe(65_536);
    });

    it('refuses data nested deeper than 64 levels with INVALID_DATA, also 100,000 levels deep', async () => {
      const s = store();
      const nest = (depth: number) => {
        let value: unknown = 1;
        for (let i = 0; i < depth; i++) value = [value];
        return value;
      };
      await s.create(meta(), 'alice', { ok: nest(60) });
      for (const depth of [64, 100_000]) {
        await expect(s.create(meta(), 'bob', { deep: nest(depth) })).rejects.toMatchObject({
          code: 'INVALID_DATA',
          message: expect.stringContaining('nested deeper than 64'),
        });
      }
      expect(await rows()).toHaveLength(1);
    });
  });

  describe('limits in force', () => {
    it('does not open a session that outlived a ttl shortened since it was written', async () => {
      const long = store({ ttl: '30d' });
      const { token } = await long.create(meta(), 'alice');
      clock.advance('3d'); // idle for 3 days; the row says it lives 27 more
      const short = store({ ttl: '15m' });
      const loaded = await short.loadByToken(token);
      expect(loaded).toBe('expired');
      expect(await short.readByToken(token)).toBeNull();
      expect(await short.listForUser('alice')).toEqual([]);
      expect((await long.readByToken(token))?.userId).toBe('alice');
    });

    it('does not open a session older than an absoluteTtl set or shortened since it was written', async () => {
      const { token } = await store({ ttl: '30d' }).create(meta(), 'alice');
      clock.advance('2h');
      const capped = store({ ttl: '30d', absoluteTtl: '1h' });
      expect(await capped.readByToken(token)).toBeNull();
      expect(await capped.listForUser('alice')).toEqual([]);
      expect((await store({ ttl: '30d', absoluteTtl: '3h' }).readByToken(token))?.userId).toBe('alice');
    });
  });

  describe('concurrent writes', () => {
    it('never fails "sign out everywhere" or "sign out other devices" against 20 concurrent sign-ins (deadlocks are retried)', async () => {
      const s = store({ maxSessionsPerUser: 50 });
      const failures: unknown[] = [];
      for (let round = 0; round < 5; round++) {
        const keep = await s.create(meta(), 'alice');
        const results = await Promise.allSettled([
          ...Array.from({ length: 20 }, () => s.create(meta(), 'alice')),
          s.destroyAllExcept('alice', keep.session.id),
          s.destroyAllForUser('alice'),
          s.destroyAllExcept('alice', keep.session.id),
        ]);
        failures.push(
          ...results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason),
        );
      }
      expect(failures).toEqual([]);
    });
  });

  describe('database errors', () => {
    it('surfaces a driver error as STORE_FAILURE naming the operation, with the driver error as cause', async () => {
      const missing = new SessionStore(t.db, { tableName: uniqueTableName('missing'), now: clock.now });
      const token = SessionToken.generate();
      const error = await expectStoreFailure(missing.readByToken(token), 'readByToken');
      expect(error.message).not.toContain(token.expose());
      await expectStoreFailure(missing.create(meta(), 'alice'), 'create');
      await expectStoreFailure(missing.listForUser('alice'), 'listForUser');
      await expectStoreFailure(missing.cleanupExpired(), 'cleanupExpired');
      await expectStoreFailure(missing.touch('x', clock.now()), 'touch');
      await expectStoreFailure(missing.destroyAllForUser('alice'), 'destroyAllForUser');
    });

    it("reports a database failure to onEvent with the driver's words, naming the operation", async () => {
      const events: SessionEvent[] = [];
      const missing = new SessionStore(t.db, {
        tableName: uniqueTableName('missing'),
        now: clock.now,
        onEvent: (e) => void events.push(e),
      });
      await expectStoreFailure(missing.readByToken(SessionToken.generate()), 'readByToken');
      await expectStoreFailure(missing.destroyAllForUser('alice'), 'destroyAllForUser');
      expect(events.map((e) => e.type === 'store_failure' && e.operation)).toEqual([
        'readByToken',
        'destroyAllForUser',
      ]);
      const [first] = events;
      expect(first?.type === 'store_failure' && first.message).toMatch(/exist|no such table/i);
    });

    it('answers INVALID_DATA for a row whose data is not JSON, and changes nothing', async () => {
      const s = store();
      const { session, token } = await s.create(meta(), 'alice');
      await t.db.updateTable(table).set({ data: 'not json {' }).where('id', '=', session.id).execute();
      await expect(s.readByToken(token)).rejects.toMatchObject({ code: 'INVALID_DATA' });
      const [row] = await rows();
      expect(row?.data).toBe('not json {');
    });
  });
});

describe('SessionToken', () => {
  it('generates 64 lowercase hex chars of fresh randomness', () => {
    const a = SessionToken.generate();
    const b = SessionToken.generate();
    expect(a.expose()).toMatch(/^[0-9a-f]{64}$/);
    expect(a.equals(b)).toBe(false);
  });

  it('parses exactly 64 hex chars in either case and nothing else, without throwing', () => {
    const hex = SessionToken.generate().expose();
    expect(SessionToken.parse(hex)?.expose()).toBe(hex);
    expect(SessionToken.parse(hex.toUpperCase())?.expose()).toBe(hex);
    for (const bad of [
      '',
      hex.slice(1),
      `${hex}0`,
      `${hex.slice(1)}g`,
      ` ${hex.slice(1)}`,
      null,
      undefined,
      42,
      {},
    ]) {
      expect(SessionToken.parse(bad)).toBeNull();
    }
  });

  it('does not leak its value through String(), JSON.stringify, util.inspect or template strings', () => {
    const token = SessionToken.generate();
    const hex = token.expose();
    for (const shown of [
      String(token),
      `${token}`,
      JSON.stringify({ token }),
      inspect(token),
      inspect({ token }),
    ]) {
      expect(shown).not.toContain(hex);
      expect(shown).toContain('****');
    }
  });

  it('hashes the raw 32 bytes with SHA-256', async () => {
    const { createHash } = await import('node:crypto');
    const token = SessionToken.generate();
    expect(token.hash()).toBe(createHash('sha256').update(Buffer.from(token.expose(), 'hex')).digest('hex'));
  });
});

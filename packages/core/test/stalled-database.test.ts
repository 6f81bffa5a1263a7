import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import {
  migrateToLatest,
  SessionError,
  SessionManager,
  SessionStore,
  type SessionToken,
} from '../src/index.js';
import { MemoryBrowser, wrapDialect } from '../src/testing/index.js';
import { meta } from './support/fixtures.js';

/** Holds every result back while stalled, like a database behind a proxy that stopped forwarding. */
class Stall {
  #release: (() => void) | null = null;
  #held: Promise<void> | null = null;
  /** Which statements are held while stalled: all of them unless set. */
  only: ((sql: string) => boolean) | null = null;
  stall(): void {
    this.#held = new Promise((resolve) => {
      this.#release = resolve;
    });
  }
  heal(): void {
    this.#release?.();
    this.#held = null;
    this.only = null;
  }
  readonly after = (sql: string): Promise<void> | undefined =>
    this.only && !this.only(sql) ? undefined : (this.#held ?? undefined);
}

const TIMEOUT_MS = 300;

// SQLite runs synchronously in the process: no timer can fire while it waits, its busy timeout is the deadline.
forEachDialect(
  (spec) => {
    const table = uniqueTableName('stall');
    const stall = new Stall();
    const t = useTestDatabase(spec, {
      wrap: (d) => wrapDialect(d, () => {}, stall.after),
      sessionTables: [table],
    });
    const store = () => new SessionStore(t.db, { tableName: table, operationTimeout: `${TIMEOUT_MS}ms` });

    beforeAll(async () => {
      await migrateToLatest(t.db, { tableName: table });
    });
    beforeEach(() => stall.heal());
    afterAll(() => stall.heal());

    /** Runs `work` while the database is stalled and says how it ended and how long it took. */
    async function whileStalled(work: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
      stall.stall();
      const started = performance.now();
      const error = await work().then(
        () => null,
        (e: unknown) => e,
      );
      const ms = performance.now() - started;
      stall.heal();
      return { error, ms };
    }

    it('answers STORE_FAILURE within operationTimeout instead of hanging, on every store operation', async () => {
      const s = store();
      const { session, token } = await s.create(meta(), 'alice');
      for (const [op, work] of [
        ['readByToken', () => s.readByToken(token)],
        ['create', () => s.create(meta(), 'bob')],
        ['touch', () => s.touch(session.id, new Date(Date.now() + 60_000))],
        ['destroyAllForUser', () => s.destroyAllForUser('alice')],
        ['listForUser', () => s.listForUser('alice')],
        ['cleanupExpired', () => s.cleanupExpired()],
      ] as const) {
        const { error, ms } = await whileStalled(work);
        expect(error, op).toBeInstanceOf(SessionError);
        expect((error as SessionError).code).toBe('STORE_FAILURE');
        expect((error as SessionError).message).toContain(op);
        expect((error as SessionError).message).toContain('operationTimeout');
        expect(ms, op).toBeLessThan(TIMEOUT_MS + 1500);
      }
      // Healthy again: the same store answers (the stalled statements ran; only their answers were held).
      const again = await s.create(meta(), 'dave');
      expect((await s.readByToken(again.token))?.userId).toBe('dave');
    });

    it('does not hang a rotation whose event read stalls: the rotation stands, its event is skipped', async () => {
      const events: string[] = [];
      const s = new SessionStore(t.db, {
        tableName: table,
        operationTimeout: `${TIMEOUT_MS}ms`,
        onEvent: (e) => void events.push(e.type),
      });
      const { session, token } = await s.create(meta(), 'erin');
      stall.only = (sql) => /^\s*select/i.test(sql); // the UPDATE goes through, the read for the event stalls
      let fresh: SessionToken | undefined;
      const { error, ms } = await whileStalled(async () => {
        fresh = await s.rotateToken(session.id);
      });
      expect(error).toBeNull();
      expect(ms).toBeLessThan(TIMEOUT_MS + 1500);
      expect(await s.readByToken(token)).toBeNull();
      expect((await s.readByToken(fresh as SessionToken))?.userId).toBe('erin');
      expect(events).not.toContain('rotated');
      expect(events).toContain('store_failure');
    });

    it('fails a request closed (not authenticated, cookie kept) when the lookup stalls', async () => {
      const s = store();
      const b = new MemoryBrowser({
        headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0' },
      });
      const signIn = b.next();
      const m = await SessionManager.load(s, signIn);
      await m.authenticate('carol');
      await m.commit();
      b.receive(signIn);
      const port = b.next();
      const manager = new SessionManager(s, port);
      const { error } = await whileStalled(() => manager.load());
      expect(error).toMatchObject({ code: 'STORE_FAILURE', status: 503 });
      expect(manager.isAuthenticated).toBe(false);
      await manager.commit();
      expect(port.cookies).toEqual([]);
    });
  },
  { except: ['sqlite-memory', 'sqlite-file'] },
);

it('rejects an operationTimeout that is not a positive duration', () => {
  for (const operationTimeout of [0, -1, 'soon' as never, 1e10]) {
    expect(() => new SessionStore({} as never, { operationTimeout })).toThrow(/operationTimeout/);
  }
});

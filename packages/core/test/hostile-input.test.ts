// Property-based tests: whatever a client sends, the core answers with a defined result, never authenticates
// without a valid token, and never creates a row while loading.
import { isIP } from 'node:net';
import { countRows, forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { Kysely, SqliteDialect } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { getCookieFromHeader } from '../src/adapter.js';
import { clientIp, parseDevice, parseTrustedProxies } from '../src/client.js';
import { migrateToLatest, SessionError, SessionManager, SessionStore } from '../src/index.js';
import { MemoryBrowser, MemoryPort } from '../src/testing/index.js';

const SECRET = 'property-test-secret-of-at-least-32-bytes';
const RUNS = Number(process.env.SESS_FC_RUNS ?? 200);

/** Cookie-ish text: hex runs, dots, base64url, separators, unicode, control characters. */
const cookieText = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.stringMatching(/^[0-9a-fA-F]{0,70}(\.[A-Za-z0-9_-]{0,50})?$/),
  fc
    .tuple(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string({ maxLength: 60 }))
    .map(([hex, sig]) => `${hex}.${sig}`),
);

forEachDialect((spec) => {
  const table = uniqueTableName('fc');
  const t = useTestDatabase(spec, { sessionTables: [table] });
  let store: SessionStore;
  let signed: SessionStore;
  let validUnsigned: string;
  let validSigned: string;
  const rowCount = () => countRows(t.db, table);

  beforeAll(async () => {
    await migrateToLatest(t.db, { tableName: table });
    store = new SessionStore(t.db, { tableName: table, validateFingerprint: false });
    signed = new SessionStore(t.db, { tableName: table, validateFingerprint: false }, { secret: SECRET });
    for (const [s, set] of [
      [store, (v: string) => (validUnsigned = v)],
      [signed, (v: string) => (validSigned = v)],
    ] as const) {
      const port = new MemoryPort();
      const m = await SessionManager.load(s, port);
      await m.authenticate('victim');
      await m.commit();
      set(port.cookies[0]?.value as string);
    }
  });

  it('never authenticates, throws or creates a row for an arbitrary cookie value', async () => {
    const before = await rowCount();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          cookieText,
          fc.constantFrom(validUnsigned, validSigned, validUnsigned.toUpperCase(), validSigned.toUpperCase()),
        ),
        fc.boolean(),
        async (value, useSigned) => {
          const s = useSigned ? signed : store;
          const valid = useSigned ? validSigned : validUnsigned;
          const port = new MemoryPort({ cookies: { _session: value }, headers: { 'user-agent': value } });
          const m = new SessionManager(s, port);
          await m.load();
          const expected = value === valid || (!useSigned && value.toLowerCase() === valid);
          expect(m.isAuthenticated).toBe(expected);
          await m.commit();
        },
      ),
      { numRuns: RUNS },
    );
    expect(await rowCount()).toBe(before);
  });

  it('never accepts a signature that is not the HMAC of the token', async () => {
    const [token, signature] = validSigned.split('.') as [string, string];
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/), async (sig) => {
        fc.pre(sig !== signature);
        const m = await SessionManager.load(
          signed,
          new MemoryPort({ cookies: { _session: `${token}.${sig}` } }),
        );
        expect(m.isAuthenticated).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('round-trips any JSON object as session data exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 }),
        async (data) => {
          const clean = JSON.parse(JSON.stringify(data)); // -0 becomes 0, as JSON does
          const { session } = await store.create(
            { ipAddress: '127.0.0.1', userAgent: '', deviceName: '', deviceType: 'desktop', fingerprint: '' },
            'fc-user',
            clean,
          );
          expect((await store.read(session.id))?.data).toEqual(clean);
          await store.destroy(session.id);
        },
      ),
      { numRuns: Math.min(RUNS, 100) },
    );
  });

  it('rejects data that is not JSON-serialisable with INVALID_DATA and writes nothing', async () => {
    const before = await rowCount();
    const poison = fc.oneof(
      fc.bigInt().map((b) => ({ b })),
      fc.constant({ f: () => 1 }),
      fc.constant({ s: Symbol('x') }),
      fc.constant({ d: new Date() }),
      fc.constant({ m: new Map() }),
      fc.constant({ n: Number.POSITIVE_INFINITY }),
      fc.constant(
        (() => {
          const o: Record<string, unknown> = {};
          o.self = { o };
          return o;
        })(),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
        poison,
        async (base, bad) => {
          const data = { ...base, nested: { bad } };
          const error = await store
            .create(
              { ipAddress: '', userAgent: '', deviceName: '', deviceType: 'desktop', fingerprint: '' },
              'u',
              data,
            )
            .catch((e: unknown) => e);
          expect(error).toBeInstanceOf(SessionError);
          expect((error as SessionError).code).toBe('INVALID_DATA');
        },
      ),
      { numRuns: 50 },
    );
    expect(await rowCount()).toBe(before);
  });
});

describe('hostile headers', () => {
  const trusted = parseTrustedProxies(['10.0.0.0/8', '::1/128']);
  const none = parseTrustedProxies([]);
  const header = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc
      .array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 20 })), { maxLength: 80 })
      .map((a) => a.join(', ')),
  );

  it('answers forwarded headers from an untrusted peer with the socket address, whatever they say', () => {
    fc.assert(
      fc.property(header, header, fc.ipV4(), (xff, realIp, peer) => {
        const headers: Record<string, string> = { 'x-forwarded-for': xff, 'x-real-ip': realIp };
        expect(clientIp({ header: (n) => headers[n], remoteAddress: peer }, none)).toBe(peer);
      }),
      { numRuns: RUNS },
    );
  });

  it('answers forwarded headers from a trusted peer with a valid IP or "unknown", never garbage', () => {
    fc.assert(
      fc.property(header, header, (xff, realIp) => {
        const headers: Record<string, string> = { 'x-forwarded-for': xff, 'x-real-ip': realIp };
        const ip = clientIp({ header: (n) => headers[n], remoteAddress: '10.0.0.1' }, trusted);
        expect(ip === 'unknown' || isIP(ip) !== 0).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('gives an oversized X-Forwarded-For a defined answer', () => {
    const huge = Array.from({ length: 50_000 }, (_, i) => `10.0.${(i >> 8) & 255}.${i & 255}`).join(', ');
    const ip = clientIp(
      {
        header: (n) => (n === 'x-forwarded-for' ? `203.0.113.1, ${huge}` : undefined),
        remoteAddress: '10.0.0.1',
      },
      trusted,
    );
    expect(isIP(ip)).not.toBe(0);
  });

  it('parses any user agent into a short, non-empty device name and one of three device types', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 500 }), fc.string({ unit: 'binary', maxLength: 200 })),
        (ua) => {
          const { deviceName, deviceType } = parseDevice(ua);
          expect(deviceName.trim().length).toBeGreaterThan(0);
          expect(deviceName.length).toBeLessThanOrEqual(255);
          expect(deviceName).not.toMatch(/Unknown on Unknown/);
          expect(['desktop', 'mobile', 'tablet']).toContain(deviceType);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('finds cookies in any Cookie header without throwing', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 400 }),
        fc.stringMatching(/^[A-Za-z_]{1,10}$/),
        (headerValue, name) => {
          const value = getCookieFromHeader(headerValue, name);
          expect(value === undefined || typeof value === 'string').toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('stores at most 512 characters of an oversized user agent', async () => {
    const b = new MemoryBrowser({ headers: { 'user-agent': `Mozilla/5.0 ${'x'.repeat(100_000)}` } });
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    await migrateToLatest(db);
    const m = await SessionManager.load(new SessionStore(db), b.next());
    const session = await m.authenticate('alice');
    expect(session.userAgent.length).toBeLessThanOrEqual(512);
    await db.destroy();
  });
});

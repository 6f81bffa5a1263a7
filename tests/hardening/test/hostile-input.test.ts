// Part 4 of issue 8: hostile input at the HTTP level, through the real demo app (createApp of examples/hono-app,
// with its csrf, secure headers and session middleware) and `app.request()` on SQLite. Property-based (fast-check):
// whatever a client sends, never a 500, never an authenticated answer without a valid token, never a row created
// by a load, and no query at all for a cookie that cannot be a token.
import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import { migrateToLatest } from '@sess/core';
import { signCookieValue } from '@sess/core/adapter';
import { countingDialect, type ParsedSetCookie, parseSetCookies, QueryCounter } from '@sess/core/testing';
import { countRows } from '@sess/test-databases';
import { CHROME_MAC, FIREFOX_WINDOWS } from '@sess/test-kit';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHardeningApp, POISONS, type PoisonKind } from './support/hardening-app.js';

const RUNS = Number(process.env.SESS_FC_RUNS ?? 200);
const SECRET = 'hardening-property-secret-of-at-least-32-bytes';
const OLD_SECRET = 'hardening-retired-secret-still-in-the-list-32b';
const FOREIGN_SECRET = 'a-secret-this-app-has-never-heard-of-32-bytes!';
/** `@hono/node-server`'s env shape, so the session middleware finds a socket address under `app.request()`. */
const ENV = {
  incoming: { socket: { remoteAddress: '127.0.0.1', remoteFamily: 'IPv4', remotePort: 50_000 } },
};
const ORIGIN = 'http://localhost';

/** One answer of the app. */
interface Answer {
  status: number;
  body: string;
  location: string | null;
  cookies: ParsedSetCookie[];
}

/** A character a client can put in a header value: printable ASCII, tab, and the bytes 0x80-0xFF (obs-text). */
const headerChar = fc
  .oneof(
    { weight: 12, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
    { weight: 1, arbitrary: fc.constant(0x09) },
  )
  .map((code) => String.fromCharCode(code));
const headerText = (maxLength: number) => fc.string({ unit: headerChar, maxLength });
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const HEX = '0123456789abcdef';

/** Replaces one hex digit of the token part by another value: a near miss of a valid token. */
function nearMiss(valid: string) {
  return fc.tuple(fc.nat(63), fc.nat(14)).map(([i, shift]) => {
    const digit = HEX[(HEX.indexOf((valid[i] as string).toLowerCase()) + 1 + shift) % 16] as string;
    return `${valid.slice(0, i)}${digit}${valid.slice(i + 1)}`;
  });
}

/** Every `<64 hex>.<signature>` in a header whose signature is the HMAC of the hex under `secret`. */
function carriesSignedToken(header: string, secrets: readonly string[]): boolean {
  for (const m of header.matchAll(/([0-9a-fA-F]{64})\.([A-Za-z0-9_-]{43})/g)) {
    for (const secret of secrets) {
      if (
        createHmac('sha256', secret)
          .update(m[1] as string)
          .digest('base64url') === m[2]
      )
        return true;
    }
  }
  return false;
}

interface Variant {
  name: string;
  secrets: string[];
  trustedProxies: string[];
}

const VARIANTS: Variant[] = [
  { name: 'demo defaults (unsigned cookie, no trusted proxy)', secrets: [], trustedProxies: [] },
  {
    name: 'signed cookie (secret list with a retired key) behind a trusted loopback proxy',
    secrets: [SECRET, OLD_SECRET],
    trustedProxies: ['127.0.0.1/32'],
  },
];

for (const variant of VARIANTS) {
  describe(`hostile input through the demo app: ${variant.name}`, () => {
    const signed = variant.secrets.length > 0;
    const counter = new QueryCounter();
    const sqlite = new Database(':memory:');
    const db = new Kysely<any>({
      dialect: countingDialect(new SqliteDialect({ database: sqlite }), counter),
    });
    const table = 'hard_hostile';
    const { app } = createHardeningApp({
      db,
      session: { tableName: table, trustedProxies: variant.trustedProxies },
      cookie: signed ? { secret: variant.secrets } : {},
    });
    /** The victim's cookie value and the hash stored for it. */
    let victim: string;
    let victimHash: string;

    async function send(
      path: string,
      headers: Record<string, string>,
      init: RequestInit = {},
    ): Promise<Answer> {
      const res = await app.request(path, { ...init, headers }, ENV);
      return {
        status: res.status,
        body: await res.text(),
        location: res.headers.get('location'),
        cookies: parseSetCookies(res.headers),
      };
    }

    /** Signs `user` in through the test route with these request headers; resolves the cookie value. */
    async function signIn(user: string, headers: Record<string, string>): Promise<string> {
      const res = await send(
        '/hardening/sign-in',
        { ...headers, origin: ORIGIN },
        {
          method: 'POST',
          body: new URLSearchParams({ user }),
        },
      );
      expect(res.status).toBe(200);
      const cookie = res.cookies.find((c) => c.name === '_session');
      expect(cookie?.value).toBeTruthy();
      return cookie?.value as string;
    }

    /** Whether the page answered as for a signed-in user, per route. */
    function authenticated(path: string, res: Answer): boolean {
      if (path === '/') return res.status === 200 && res.body.includes('Hello, ');
      if (path === '/devices') return res.status === 200;
      if (path === '/login') return res.status === 303 && res.location === '/';
      return (JSON.parse(res.body) as { user: string | null }).user !== null;
    }

    beforeAll(async () => {
      await migrateToLatest(db, { tableName: table });
      victim = await signIn('victim', { 'user-agent': CHROME_MAC });
      const row = await db.selectFrom(table).select('token_hash').executeTakeFirstOrThrow();
      victimHash = row.token_hash as string;
    });

    afterAll(async () => {
      await db.destroy();
    });

    /** Cookie values an attacker may try: noise, near misses, the stored hash, the real value in disguise. */
    function cookieValues(victim: string, victimHash: string) {
      const token = victim.slice(0, 64);
      return fc.oneof(
        { weight: 4, arbitrary: headerText(300) },
        hex64,
        fc.stringMatching(/^[0-9a-fA-F]{60,70}$/),
        nearMiss(victim).map((v) => (signed ? `${v.slice(0, 64)}${victim.slice(64)}` : v)),
        fc.constant(victimHash),
        fc.constant(victimHash.toUpperCase()),
        fc.constant(token), // the bare token where a signature is required
        fc.tuple(headerText(8), headerText(8)).map(([a, b]) => `${a}${victim}${b}`),
        headerText(60).map((sig) => `${token}.${sig}`),
        fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((sig) => `${token}.${sig}`),
        fc.constant(signCookieValue(token, FOREIGN_SECRET)),
        hex64.map((hex) => signCookieValue(hex, SECRET)), // correctly signed, but no such session
        { weight: 4, arbitrary: fc.constantFrom(victim, victim.toUpperCase(), `"${victim}"`, ` ${victim} `) },
      );
    }

    /** Cookie headers around {@link cookieValues}: several cookies, odd names and separators, or plain noise. */
    function cookieHeaders(victim: string, victimHash: string) {
      const name = fc.oneof(
        { weight: 6, arbitrary: fc.constant('_session') },
        fc.constantFrom('_SESSION', '__Host-_session', 'session', '_sessio', '_session_', 'a'),
        headerText(12),
      );
      const separator = fc.constantFrom('; ', ';', ' ; ', ',', ';;');
      return fc.oneof(headerText(400), {
        weight: 3,
        arbitrary: fc
          .tuple(
            fc.array(fc.tuple(name, cookieValues(victim, victimHash)), { minLength: 1, maxLength: 4 }),
            separator,
          )
          .map(([pairs, sep]) => pairs.map(([n, v]) => `${n}=${v}`).join(sep)),
      });
    }

    it('never answers 500, never authenticates without the valid token and never writes, whatever the Cookie header', async () => {
      const rows = await countRows(db, table);
      await fc.assert(
        fc.asyncProperty(
          cookieHeaders(victim, victimHash),
          fc.constantFrom('/', '/devices', '/login', '/hardening/whoami'),
          async (cookie, path) => {
            counter.reset();
            const res = await send(path, { 'user-agent': CHROME_MAC, cookie });
            expect(res.status).toBeLessThan(500);
            const header = cookie.trim();
            if (authenticated(path, res)) {
              expect(header.toLowerCase()).toContain(victim.toLowerCase());
            } else {
              expect(counter.writes).toBe(0);
            }
            // A cookie that cannot hold a token (no 64 hex digits; or no valid signature) costs no query at all.
            const couldBeToken = signed
              ? carriesSignedToken(header, variant.secrets)
              : /[0-9a-f]{64}/i.test(header);
            if (!couldBeToken) expect(counter.queries).toBe(0);
          },
        ),
        { numRuns: RUNS },
      );
      expect(await countRows(db, table)).toBe(rows);
    });

    it('authenticates the valid cookie in the forms a browser may send it', async () => {
      const forms = [
        `_session=${victim}`,
        `_session="${victim}"`,
        `a=b; _session=${victim}`,
        `_session=${victim}; _session=x`,
      ];
      if (!signed) forms.push(`_session=${victim.toUpperCase()}`);
      for (const cookie of forms) {
        const res = await send('/hardening/whoami', { 'user-agent': CHROME_MAC, cookie });
        expect(JSON.parse(res.body), cookie).toEqual({ user: 'victim' });
      }
      // Every `_session` is tried (a stale one of a longer Path comes first): a junk one before it does not hide it,
      // and nothing is cleared.
      const behind = await send('/hardening/whoami', {
        'user-agent': CHROME_MAC,
        cookie: `_session=x; _session=${victim}`,
      });
      expect(JSON.parse(behind.body)).toEqual({ user: 'victim' });
      expect(behind.cookies).toEqual([]);
    });

    if (signed) {
      it('never accepts a signature that is not the HMAC of the token under one of the secrets', async () => {
        const token = victim.slice(0, 64);
        const validSignatures = variant.secrets.map((s) => signCookieValue(token, s).slice(65));
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/), headerText(60), fc.constant('')),
            async (signature) => {
              fc.pre(!validSignatures.includes(signature));
              counter.reset();
              const res = await send('/hardening/whoami', {
                'user-agent': CHROME_MAC,
                cookie: `_session=${token}.${signature}`,
              });
              expect(JSON.parse(res.body)).toEqual({ user: null });
              expect(counter.queries).toBe(0);
            },
          ),
          { numRuns: RUNS },
        );
      });

      it('still accepts a cookie signed with a retired secret that is still in the list (key rotation)', async () => {
        const old = signCookieValue(victim.slice(0, 64), OLD_SECRET);
        const res = await send('/hardening/whoami', { 'user-agent': CHROME_MAC, cookie: `_session=${old}` });
        expect(JSON.parse(res.body)).toEqual({ user: 'victim' });
      });
    }

    /** Client addresses as forwarding headers carry them: valid IPv4/IPv6 (odd forms too), noise, loopback. */
    const address = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.ipV4Extended(),
      headerText(24),
      fc.constant('127.0.0.1'),
    );
    const forwarded = fc.oneof(
      headerText(200),
      fc.array(address, { minLength: 1, maxLength: 8 }).map((list) => list.join(', ')),
    );
    const userAgent = fc.oneof(
      headerText(700),
      fc.constantFrom(
        CHROME_MAC,
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile Safari/604.1',
      ),
      fc.tuple(fc.constant(CHROME_MAC), headerText(40)).map(([ua, junk]) => `${ua}${junk}`),
    );
    it('records a sane client address and device for any forwarded headers and user agent, and binds the session to them', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(
          userAgent,
          fc.option(forwarded, { nil: undefined }),
          fc.option(address, { nil: undefined }),
          headerText(40),
          async (ua, xff, realIp, language) => {
            n += 1;
            const user = `fc-${n}`;
            const headers: Record<string, string> = { 'user-agent': ua, 'accept-language': language };
            if (xff !== undefined) headers['x-forwarded-for'] = xff;
            if (realIp !== undefined) headers['x-real-ip'] = realIp;
            const cookie = await signIn(user, headers);
            const row = await db
              .selectFrom(table)
              .select(['id', 'ip_address', 'user_agent', 'device_name', 'device_type'])
              .where('user_id', '=', user)
              .executeTakeFirstOrThrow();
            if (variant.trustedProxies.length === 0) {
              expect(row.ip_address).toBe('127.0.0.1'); // forwarding headers are not trusted by default
            } else {
              expect(isIP(row.ip_address)).not.toBe(0);
              const single = xff?.trim();
              if (
                single &&
                isIP(single) === 4 &&
                /^\d+\.\d+\.\d+\.\d+$/.test(single) &&
                !/(^|\.)0\d/.test(single)
              )
                expect(row.ip_address).toBe(single);
            }
            expect(row.user_agent).toBe(new Headers({ ua }).get('ua')?.slice(0, 512));
            expect(row.device_name.trim()).not.toBe('');
            expect(row.device_name.length).toBeLessThanOrEqual(255);
            expect(row.device_name).not.toContain('Unknown on Unknown');
            expect(['desktop', 'mobile', 'tablet']).toContain(row.device_type);

            // The same client keeps its session; the cookie replayed from another browser family is not accepted,
            // and the session it named is destroyed (fingerprint check).
            const same = await send('/hardening/whoami', { ...headers, cookie: `_session=${cookie}` });
            expect(JSON.parse(same.body)).toEqual({ user });
            const stolen = await send('/hardening/whoami', {
              ...headers,
              'user-agent': ua.includes('Firefox') ? CHROME_MAC : FIREFOX_WINDOWS,
              cookie: `_session=${cookie}`,
            });
            expect(JSON.parse(stolen.body)).toEqual({ user: null });
            expect(await db.selectFrom(table).select('id').where('id', '=', row.id).execute()).toEqual([]);
          },
        ),
        { numRuns: Math.min(RUNS, 100) },
      );
    });

    it('never answers 500 or creates a row on a load, and authenticates only its own client, whatever the headers', async () => {
      // Each run signs a fresh user in with arbitrary headers, then loads with the same headers and a Cookie header
      // built around that user's cookie: exact, disguised, nearly right, the stored hash, or noise.
      const kinds = ['exact', 'upper', 'quoted', 'near-miss', 'bare-token', 'hash', 'noise'] as const;
      const otherCookies = fc
        .array(fc.tuple(fc.constantFrom('theme', 'a', '_ga', 'session', '_SESSION'), headerText(30)), {
          maxLength: 3,
        })
        .map((pairs) => pairs.map(([n, v]) => `${n}=${v.replaceAll(';', '')}`));
      let n = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            ua: fc.option(fc.oneof(fc.constant(CHROME_MAC), userAgent), { nil: undefined, freq: 4 }),
            xff: fc.option(forwarded, { nil: undefined, freq: 2 }),
            realIp: fc.option(address, { nil: undefined, freq: 2 }),
            language: fc.option(headerText(40), { nil: undefined, freq: 2 }),
          }),
          fc.constantFrom(...kinds),
          fc.nat(63),
          otherCookies,
          otherCookies,
          fc.constantFrom('; ', ';'),
          async (client, kind, at, before, after, sep) => {
            n += 1;
            const user = `load-${n}`;
            const headers: Record<string, string> = {};
            if (client.ua !== undefined) headers['user-agent'] = client.ua;
            if (client.xff !== undefined) headers['x-forwarded-for'] = client.xff;
            if (client.realIp !== undefined) headers['x-real-ip'] = client.realIp;
            if (client.language !== undefined) headers['accept-language'] = client.language;
            const value = await signIn(user, headers);
            const { token_hash: hash } = await db
              .selectFrom(table)
              .select('token_hash')
              .where('user_id', '=', user)
              .executeTakeFirstOrThrow();
            const token = value.slice(0, 64);
            const near = `${token.slice(0, at)}${token[at] === 'a' ? 'b' : 'a'}${token.slice(at + 1)}${value.slice(64)}`;
            const presented = {
              exact: value,
              upper: value.toUpperCase(),
              quoted: `"${value}"`,
              'near-miss': near,
              'bare-token': signed ? token : `${token}.x`,
              hash: hash as string,
              noise: 'x'.repeat(64),
            }[kind];
            const cookie = [...before, `_session=${presented}`, ...after].join(sep);
            const rows = await countRows(db, table);
            const res = await send('/hardening/whoami', { ...headers, cookie });

            expect(res.status).toBeLessThan(500);
            expect(await countRows(db, table)).toBe(rows);
            const expected = kind === 'exact' || kind === 'quoted' || (kind === 'upper' && !signed);
            expect(JSON.parse(res.body), `${kind}: ${cookie}`).toEqual({ user: expected ? user : null });
          },
        ),
        { numRuns: Math.min(RUNS, 100) },
      );
    });

    it('treats a session cookie of any size over the limit as anonymous, with no query (app.request has no header limit)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 257, max: 200_000 }), async (length) => {
          counter.reset();
          const value = victim.repeat(Math.ceil(length / victim.length)).slice(0, length);
          const res = await send('/', { 'user-agent': CHROME_MAC, cookie: `_session=${value}` });
          expect(res.status).toBe(303);
          expect(res.location).toBe('/login');
          expect(counter.queries).toBe(0);
          expect(res.cookies).toMatchObject([{ name: '_session', value: '', maxAge: 0 }]);
        }),
        { numRuns: 20 },
      );
    });

    describe('session data that is not JSON, set by a route', () => {
      for (const kind of Object.keys(POISONS) as PoisonKind[]) {
        it(`rejects ${kind} with INVALID_DATA and writes nothing, not even the route's other change`, async () => {
          const cookie = await signIn(`poison-${kind}`, { 'user-agent': CHROME_MAC });
          const rowBefore = await db
            .selectFrom(table)
            .select(['data', 'version'])
            .where('user_id', '=', `poison-${kind}`)
            .executeTakeFirstOrThrow();
          counter.reset();
          // Hono's default error handler logs the route's error for the developer: expected here, kept quiet.
          const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
          const res = await send(
            '/hardening/poison',
            { 'user-agent': CHROME_MAC, cookie: `_session=${cookie}`, origin: ORIGIN },
            { method: 'POST', body: new URLSearchParams({ kind }) },
          );
          expect(logged.mock.calls.flat()).toContainEqual(expect.objectContaining({ code: 'INVALID_DATA' }));
          logged.mockRestore();
          expect(res.status).toBe(500);
          expect(res.body).toContain('INVALID_DATA');
          expect(res.cookies).toEqual([]);
          expect(counter.writes).toBe(0);
          const rowAfter = await db
            .selectFrom(table)
            .select(['data', 'version'])
            .where('user_id', '=', `poison-${kind}`)
            .executeTakeFirstOrThrow();
          expect(rowAfter).toEqual(rowBefore);
          // The session itself is unharmed.
          const again = await send('/hardening/whoami', {
            'user-agent': CHROME_MAC,
            cookie: `_session=${cookie}`,
          });
          expect(JSON.parse(again.body)).toEqual({ user: `poison-${kind}` });
        });
      }
    });
  });
}

// The checklist rows of docs/security.md that no other test shows end to end through the demo app: a __Host- cookie,
// tokens only in the cookie (never in a URL, a page or a Location), a server that never adopts a client-chosen
// token (fixation), Cache-Control/Vary on the responses that need them, idle and absolute timeouts over HTTP.
import { createHash, randomBytes } from 'node:crypto';
import { migrateToLatest } from '@sess/core';
import { FakeClock, type ParsedSetCookie, parseSetCookies } from '@sess/core/testing';
import { countRows } from '@sess/test-databases';
import { CHROME_MAC } from '@sess/test-kit';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHardeningApp } from './support/hardening-app.js';

const ENV = {
  incoming: { socket: { remoteAddress: '127.0.0.1', remoteFamily: 'IPv4', remotePort: 50_000 } },
};

/** A browser over `app.request()` for one app: a cookie jar (of any cookie name) and same-origin form posts. */
function browser(app: {
  request: (path: string, init: RequestInit, env: unknown) => Response | Promise<Response>;
}) {
  const jar = new Map<string, string>();
  const last: { cookies: ParsedSetCookie[] } = { cookies: [] };
  const request = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('user-agent', CHROME_MAC);
    if (jar.size > 0 && !headers.has('cookie'))
      headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await app.request(path, { ...init, headers }, ENV);
    last.cookies = parseSetCookies(res.headers);
    for (const c of last.cookies) {
      if ((c.maxAge ?? 1) <= 0) jar.delete(c.name);
      else jar.set(c.name, c.value);
    }
    return { res, body: await res.text() };
  };
  const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    request(path, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { origin: 'http://localhost', ...headers },
    });
  return { jar, last, request, post };
}

describe('cookie and token policy through the demo app', () => {
  const sqlite = new Database(':memory:');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  const table = 'hard_policy';
  const clock = new FakeClock('2030-01-01T08:00:00Z');
  const { app } = createHardeningApp({
    db,
    session: {
      tableName: table,
      cookieName: '__Host-session',
      ttl: '30m',
      absoluteTtl: '8h',
      now: clock.now,
    },
  });

  beforeAll(async () => {
    await migrateToLatest(db, { tableName: table });
  });

  afterAll(async () => {
    await db.destroy();
  });

  it('sets a __Host- session cookie (Secure, Path=/, no Domain, HttpOnly, SameSite=Lax) and reads it back', async () => {
    const b = browser(app);
    const { res } = await b.post('/login', { username: 'alice', password: 'wonderland' });
    expect(res.status).toBe(303);
    const [cookie] = b.last.cookies;
    expect(cookie).toMatchObject({
      name: '__Host-session',
      path: '/',
      secure: true,
      httpOnly: true,
      sameSite: 'lax',
    });
    expect(cookie?.domain).toBeUndefined();
    expect(cookie?.value).toMatch(/^[0-9a-f]{64}$/);
    expect((await b.request('/')).body).toContain('Hello, Alice');
  });

  it('never puts the token or its hash in a URL, a Location header or a page', async () => {
    const b = browser(app);
    const login = await b.post('/login', { username: 'bob', password: 'builder' });
    const token = b.jar.get('__Host-session') as string;
    const hash = createHash('sha256').update(Buffer.from(token, 'hex')).digest('hex');
    const seen = [login.res.headers.get('location') ?? '', login.body];
    for (const path of ['/', '/devices']) seen.push((await b.request(path)).body);
    const out = await b.post('/devices/sign-out-everywhere', {});
    seen.push(out.res.headers.get('location') ?? '', out.body);
    for (const text of seen) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(hash);
    }
  });

  it('ignores a valid token in the URL or an Authorization header: only the cookie carries a session', async () => {
    const b = browser(app);
    await b.post('/login', { username: 'alice', password: 'wonderland' });
    const token = b.jar.get('__Host-session') as string;
    const stranger = browser(app);
    for (const [path, headers] of [
      [`/hardening/whoami?session=${token}&__Host-session=${token}&_session=${token}`, {}],
      ['/hardening/whoami', { authorization: `Bearer ${token}` }],
      ['/hardening/whoami', { 'x-session': token }],
    ] as const) {
      const { body } = await stranger.request(path, { headers });
      expect(JSON.parse(body), path).toEqual({ user: null });
    }
  });

  it('never adopts a session token chosen by the client: sign-in issues a fresh one (fixation)', async () => {
    const planted = randomBytes(32).toString('hex');
    const b = browser(app);
    b.jar.set('__Host-session', planted);
    const rows = await countRows(db, table);
    expect(JSON.parse((await b.request('/hardening/whoami')).body)).toEqual({ user: null });
    expect(await countRows(db, table)).toBe(rows); // a load never creates a row
    await b.post('/login', { username: 'alice', password: 'wonderland' });
    const issued = b.jar.get('__Host-session');
    expect(issued).toMatch(/^[0-9a-f]{64}$/);
    expect(issued).not.toBe(planted);
    const attacker = browser(app);
    attacker.jar.set('__Host-session', planted);
    expect(JSON.parse((await attacker.request('/hardening/whoami')).body)).toEqual({ user: null });
  });

  it('marks responses that set or clear the cookie, and the pages that show the session, private, no-store and Vary: Cookie', async () => {
    const b = browser(app);
    const login = await b.post('/login', { username: 'alice', password: 'wonderland' });
    expect(login.res.headers.get('cache-control')).toBe('private, no-store');
    for (const page of ['/', '/devices']) {
      const res = (await b.request(page)).res;
      expect(res.status, page).toBe(200);
      expect(res.headers.get('cache-control'), page).toBe('private, no-store');
      expect(res.headers.get('vary'), page).toMatch(/\bCookie\b/);
    }
    const logout = await b.post('/logout', {});
    expect(b.last.cookies).toMatchObject([{ name: '__Host-session', value: '', maxAge: 0 }]);
    expect(logout.res.headers.get('cache-control')).toBe('private, no-store');
  });

  it('ends a session after 30 idle minutes, and at the 8-hour absolute deadline however active it is', async () => {
    const idle = browser(app);
    await idle.post('/hardening/sign-in', { user: 'idle' });
    clock.advance('29m');
    expect(JSON.parse((await idle.request('/hardening/whoami')).body)).toEqual({ user: 'idle' }); // touched now
    clock.advance('29m');
    expect(JSON.parse((await idle.request('/hardening/whoami')).body)).toEqual({ user: 'idle' });
    clock.advance('31m');
    expect(JSON.parse((await idle.request('/hardening/whoami')).body)).toEqual({ user: null });
    expect(idle.last.cookies).toMatchObject([{ name: '__Host-session', maxAge: 0 }]);

    const busy = browser(app);
    await busy.post('/hardening/sign-in', { user: 'busy' });
    for (let minutes = 20; minutes < 8 * 60; minutes += 20) {
      clock.advance('20m');
      expect(JSON.parse((await busy.request('/hardening/whoami')).body), `${minutes} min`).toEqual({
        user: 'busy',
      });
    }
    clock.advance('20m'); // 8 h after sign-in
    expect(JSON.parse((await busy.request('/hardening/whoami')).body)).toEqual({ user: null });
  });
});

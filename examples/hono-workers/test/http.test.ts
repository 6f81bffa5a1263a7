import { CHROME_MAC, PageClient } from '@sess/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWorkerTests, startWranglerDev, type WranglerDev } from './support/wrangler.js';

const skip = skipWorkerTests();

describe.skipIf(skip)('the Worker over HTTP (wrangler dev, workerd, local D1)', () => {
  let server: WranglerDev;

  beforeAll(async () => {
    server = await startWranglerDev();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('signs in with a cookie, answers /api/me, lists the device, and signs out', async () => {
    const browser = new PageClient(server.url, CHROME_MAC);
    const anonymous = await browser.get('/api/me');
    expect(anonymous.status).toBe(401);

    const wrong = await browser.post('/login', { username: 'alice', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('Wrong username or password.');
    expect(wrong.cookies).toEqual([]);

    const signIn = await browser.post('/login', { username: 'alice', password: 'wonderland' });
    expect(signIn.status).toBe(303);
    expect(signIn.location).toBe('/');
    const cookie = signIn.cookies.find((c) => c.name === '_session');
    // HttpOnly and signed (token.signature); not Secure, because the test server has LOCAL_HTTP=true.
    expect(cookie).toMatchObject({ httpOnly: true, secure: false, sameSite: 'lax', path: '/' });
    expect(cookie?.value).toMatch(/^[0-9a-f]{64}\.[\w-]+$/);

    const me = await browser.get('/api/me');
    expect(me.status).toBe(200);
    const body = JSON.parse(me.body) as { userId: string; sessionId: string };
    expect(body.userId).toBe('alice');

    const rows = await server.query<{ id: string; user_id: string; device_name: string; ip_address: string }>(
      'select id, user_id, device_name, ip_address from sess_sessions',
    );
    expect(rows).toEqual([
      { id: body.sessionId, user_id: 'alice', device_name: 'Chrome on macOS', ip_address: '127.0.0.1' },
    ]);

    const home = await browser.get('/');
    expect(home.body).toContain('Hello, Alice');
    expect(home.body).toMatch(/id="visits">1</);
    expect((await browser.get('/')).body).toMatch(/id="visits">2</);

    const devices = await browser.get('/devices');
    expect(devices.body).toContain(`data-session-id="${body.sessionId}" data-current="true"`);
    expect(devices.body).toContain('Chrome on macOS');

    // Hono's csrf(): a form POST from another origin is refused, and the session stays.
    const forged = await browser.request('/logout', {
      method: 'POST',
      body: new URLSearchParams(),
      headers: { origin: 'https://evil.example' },
    });
    expect(forged.status).toBe(403);
    expect((await browser.get('/api/me')).status).toBe(200);

    const logout = await browser.post('/logout');
    expect(logout.location).toBe('/login?done=signed-out');
    expect(browser.jar.header()).toBeUndefined();
    expect((await browser.get('/api/me')).status).toBe(401);
    expect(await server.query('select id from sess_sessions')).toEqual([]);
  });

  it('keeps the per-user cap (10) under 50 parallel sign-ins: each one is a single D1 batch', async () => {
    const signIns = await Promise.all(
      Array.from({ length: 50 }, () =>
        new PageClient(server.url, CHROME_MAC).post('/login', { username: 'bob', password: 'builder' }),
      ),
    );
    expect(signIns.map((r) => r.status)).toEqual(Array(50).fill(303));
    const [count] = await server.query<{ n: number }>(
      "select count(*) as n from sess_sessions where user_id = 'bob'",
    );
    expect(count?.n).toBe(10);
    await server.query("delete from sess_sessions where user_id = 'bob'");
  });

  it('deletes expired sessions from the cron trigger', async () => {
    const past = Date.now() - 60_000;
    await server.query(
      `insert into sess_sessions (id, token_hash, user_id, ip_address, user_agent, device_name, device_type,
         fingerprint, data, created_at, last_active_at, expires_at)
       values ('01EXPIRED0000000000000000A', 'expired-token-hash', 'bob', '127.0.0.1', '', 'Old phone', 'mobile',
         '', '{}', ${past - 1000}, ${past - 1000}, ${past})`,
    );
    const trigger = await fetch(`${server.url}/cdn-cgi/handler/scheduled`);
    expect(trigger.status).toBe(200);
    expect(await server.query("select id from sess_sessions where user_id = 'bob'")).toEqual([]);
    expect(server.output()).toContain('cleanup: deleted 1 expired session');
  });
});

import { expect, it } from 'vitest';

/** Sends one request to the app under test (a path and fetch's init). */
export type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

const CHROME =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36';

/** A cookie jar over a {@link Fetch}, with one browser's User-Agent. */
export class Browser {
  readonly jar = new Map<string, string>();
  constructor(readonly send: Fetch) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('user-agent', CHROME);
    if (this.jar.size > 0) {
      headers.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const response = await this.send(path, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return response;
  }

  async json<T = any>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
    const response = await this.request(path, init);
    return { status: response.status, body: (await response.json()) as T };
  }

  signIn(userId: string) {
    return this.request('/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId }),
    });
  }
}

/** The HTTP tests of the Hono app, the same on every runtime. */
export function httpTests(
  suite: string,
  send: Fetch,
  guard: (ctx: { skip(note?: string): void }) => void,
): void {
  const test = (name: string, fn: () => Promise<void>) =>
    it(name, async (ctx) => {
      guard(ctx);
      await fn();
    });

  test('sign in sets an HttpOnly, Secure session cookie', async () => {
    const browser = new Browser(send);
    const response = await browser.signIn('alice');
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('_session='));
    expect(cookie).toMatch(/^_session=[0-9a-f]{64}; .*HttpOnly/i);
    expect(cookie).toMatch(/; Secure/i);
    await response.body?.cancel();
  });

  test('/me answers the signed-in user and counts visits in the session', async () => {
    const browser = new Browser(send);
    expect((await browser.json('/me')).body).toEqual({ userId: null, rejection: null });
    await (await browser.signIn('alice')).text();
    expect((await browser.json('/me')).body).toEqual({ userId: 'alice', visits: 1 });
    expect((await browser.json('/me')).body).toEqual({ userId: 'alice', visits: 2 });
  });

  test("a second browser's session revoked from the first is signed out", async () => {
    const laptop = new Browser(send);
    const phone = new Browser(send);
    await (await laptop.signIn('carol')).text();
    await (await phone.signIn('carol')).text();
    expect((await phone.json('/me')).body.userId).toBe('carol');
    const devices = await laptop.json<{ id: string; current: boolean }[]>('/devices');
    expect(devices.status).toBe(200);
    expect(devices.body).toHaveLength(2);
    const other = devices.body.find((d) => !d.current);
    const revoked = await laptop.json(`/devices/${other?.id}/revoke`, { method: 'POST' });
    expect(revoked.status).toBe(200);
    expect((await phone.json('/me')).body).toEqual({ userId: null, rejection: 'not_found' });
    expect((await phone.json('/devices')).status).toBe(401);
    expect((await laptop.json('/me')).body.userId).toBe('carol');
  });

  test('50 parallel sign-ins of one user leave at most the cap (5)', async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, () => new Browser(send).signIn('dave')));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    await Promise.all(responses.map((r) => r.text()));
    const { body } = await new Browser(send).json<{ count: number }>('/rows?user=dave');
    console.log(`${suite}, Hono app: 50 parallel sign-ins over HTTP left ${body.count} rows (cap 5)`);
    expect(body.count).toBeLessThanOrEqual(5);
    expect(body.count).toBeGreaterThanOrEqual(1);
  });
}

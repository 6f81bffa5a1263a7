import { describe, expect, it } from 'vitest';
import { AppClient, CHROME_MAC, CookieJar, waitFor } from '../src/index.js';

describe('CookieJar', () => {
  it('keeps set cookies, replaces them by name, and deletes one whose Max-Age is 0 or less', () => {
    const jar = new CookieJar();
    expect(jar.header()).toBeUndefined();
    jar.receive(
      new Headers([
        ['set-cookie', 'a=1; Path=/'],
        ['set-cookie', 'b=2; Max-Age=60'],
      ]),
    );
    expect(jar.header()).toBe('a=1; b=2');
    const cleared = jar.receive(
      new Headers([
        ['set-cookie', 'a=; Max-Age=0'],
        ['set-cookie', 'b=3'],
      ]),
    );
    expect(cleared.map((c) => c.name)).toEqual(['a', 'b']);
    expect(jar.header()).toBe('b=3');
  });
});

describe('AppClient', () => {
  /** An app that echoes what it received and sets a cookie when asked. */
  const app = {
    seen: [] as { headers: Headers; env: object }[],
    request(path: string, init: RequestInit, env: object) {
      const headers = new Headers(init.headers);
      this.seen.push({ headers, env });
      const response = new Response('ok', { status: path === '/go' ? 303 : 200 });
      if (path === '/set') response.headers.append('set-cookie', '_session=abc; HttpOnly');
      if (path === '/go') response.headers.set('location', '/home');
      return response;
    },
  };

  it('sends its User-Agent, its socket address and the jar, and keeps an explicit Cookie header', async () => {
    const client = new AppClient(app, { ip: '198.51.100.7', headers: { 'accept-language': 'en' } });
    await client.request('/set');
    await client.request('/next');
    await client.request('/other', { headers: { cookie: 'x=1' } });
    const [first, second, third] = app.seen.slice(-3);
    expect(first?.headers.get('user-agent')).toBe(CHROME_MAC);
    expect(first?.headers.get('accept-language')).toBe('en');
    expect(first?.env).toEqual({ incoming: { socket: { remoteAddress: '198.51.100.7' } } });
    expect(second?.headers.get('cookie')).toBe('_session=abc');
    expect(third?.headers.get('cookie')).toBe('x=1');
  });

  it('submits forms with a same-origin Origin and follows redirects with a GET', async () => {
    const client = new AppClient(app);
    const res = await client.submit('/go', { a: '1' });
    expect(app.seen.at(-1)?.headers.get('origin')).toBe('http://localhost');
    expect((await client.follow(res)).status).toBe(200);
    await expect(client.follow(new Response('x'))).rejects.toThrow(/expected a redirect, got 200/);
  });
});

describe('waitFor', () => {
  it('resolves once the check holds, and names what it waited for when it times out', async () => {
    let n = 0;
    await waitFor('three polls', () => ++n >= 3);
    expect(n).toBe(3);
    await expect(waitFor('nothing', () => false, 50)).rejects.toThrow('timed out waiting for nothing');
  });
});

import { CHROME_MAC, FIREFOX_WINDOWS, PageClient } from '@sess/test-kit';
import { describe, expect, it } from 'vitest';
import { programOf, useQuickStart } from './support/use-quick-start.js';

const ALICE = { username: 'alice', password: 'wonderland' };

describe('examples/hono-app quick start (forms and a devices page)', () => {
  const project = useQuickStart('hono-app');

  it('refuses a wrong password and a form posted from another site', async () => {
    const url = programOf(project()).url;
    const browser = new PageClient(url, CHROME_MAC);
    expect((await browser.get('/')).body).toContain('name="password"');
    const wrong = await browser.post('/sign-in', { ...ALICE, password: 'nope' });
    expect(wrong.status).toBe(303);
    expect(browser.jar.size).toBe(0);
    const forged = await browser.request('/sign-in', {
      method: 'POST',
      body: new URLSearchParams(ALICE),
      headers: { origin: 'https://evil.example' },
    });
    expect(forged.status).toBe(403);
    expect(browser.jar.size).toBe(0);
  });

  it('signs in two browsers, lists both, revokes one from the other, signs out', async () => {
    const url = programOf(project()).url;
    const laptop = new PageClient(url, CHROME_MAC);
    const other = new PageClient(url, FIREFOX_WINDOWS);
    for (const browser of [laptop, other]) {
      const signIn = await browser.post('/sign-in', ALICE);
      expect(signIn.status).toBe(303);
      expect(signIn.location).toBe('/');
      expect((await browser.get('/')).body).toContain('Signed in as alice');
    }

    const devices = (await laptop.get('/devices')).body;
    expect(devices).toMatch(/Chrome on macOS \(127\.0\.0\.1, last active [^)]+\)\s+this device/);
    expect(devices).toContain('Firefox on Windows');
    const otherId = /action="\/devices\/([^/"]+)\/revoke"/.exec(devices)?.[1];
    expect(otherId).toBeDefined();

    const revoke = await laptop.post(`/devices/${otherId}/revoke`);
    expect(revoke.status).toBe(303);
    expect((await other.get('/')).body).toContain('name="password"');
    expect((await laptop.get('/devices')).body).not.toContain('Firefox on Windows');

    const signOut = await laptop.post('/sign-out');
    expect(signOut.status).toBe(303);
    expect(laptop.jar.size).toBe(0);
    expect((await laptop.get('/devices')).status).toBe(303);
  });
});

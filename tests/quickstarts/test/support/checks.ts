import { CHROME_LINUX, JsonClient } from '@sess/test-kit';
import { expect } from 'vitest';

/**
 * The JSON quick starts' promise, over real HTTP: `POST /sign-in` signs in alice and sets the session cookie,
 * `GET /me` answers who is signed in (`userId: null` when nobody is), `GET /devices` lists this user's sessions
 * (401 when signed out), `POST /sign-out` ends the session and clears the cookie.
 */
export async function checkSignInFlow(url: string): Promise<JsonClient> {
  const browser = new JsonClient(url, CHROME_LINUX);
  expect((await browser.get('/me')).body).toMatchObject({ userId: null });
  expect((await browser.get('/devices')).status).toBe(401);

  const signIn = await browser.post('/sign-in');
  expect(signIn.status, JSON.stringify(signIn.body)).toBeLessThan(300);
  expect(signIn.cookies.map((c) => c.name)).toContain('_session');
  expect(browser.jar.has('_session')).toBe(true);

  expect((await browser.get('/me')).body).toMatchObject({ userId: 'alice' });
  const devices = await browser.get('/devices');
  expect(devices.status).toBe(200);
  expect(devices.body).toHaveLength(1);
  expect(devices.body[0]).toMatchObject({ userId: 'alice', deviceName: 'Chrome on Linux', current: true });

  const signOut = await browser.post('/sign-out');
  expect(signOut.status).toBeLessThan(300);
  expect(browser.jar.has('_session')).toBe(false);
  expect((await browser.get('/me')).body).toMatchObject({ userId: null });
  expect((await browser.get('/devices')).status).toBe(401);
  return browser;
}

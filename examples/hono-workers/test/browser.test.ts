import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LaunchedChromium, launchChromium, skipBrowserTests } from '@sess/chromium';
import { CHROME_MAC, FIREFOX_WINDOWS } from '@sess/test-kit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWorkerTests, startWranglerDev, type WranglerDev } from './support/wrangler.js';

/** Where the screenshot of the devices page goes: `artifacts/` at the repository root (gitignored). */
const SCREENSHOT = fileURLToPath(new URL('../../../artifacts/hono-workers-devices.png', import.meta.url));

const skip = skipWorkerTests() || skipBrowserTests();

describe.skipIf(skip)('the Worker in headless Chromium', () => {
  let server: WranglerDev;
  // Two browsers, two devices: each one's User-Agent is set at launch, so every request it sends carries it.
  let laptop: LaunchedChromium;
  let desktop: LaunchedChromium;

  beforeAll(async () => {
    [server, laptop, desktop] = await Promise.all([
      startWranglerDev(),
      launchChromium({ userAgent: CHROME_MAC }),
      launchChromium({ userAgent: FIREFOX_WINDOWS }),
    ]);
  });

  afterAll(async () => {
    await laptop?.close();
    await desktop?.close();
    await server?.stop();
  });

  /** Alice's sessions in the local D1 database. */
  const sessionsOfAlice = () =>
    server.query<{ device_name: string }>("select device_name from sess_sessions where user_id = 'alice'");

  /** Signs alice in through the sign-in form, as a person would, and waits for her home page. */
  async function signIn(page: Page) {
    await page.goto(`${server.url}/login`);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'wonderland');
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type=submit]')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Hello, Alice');
  }

  it('lists two browsers of one user, revokes one, and signs out everywhere', async () => {
    const a = await (await laptop.newContext()).newPage();
    const bContext = await desktop.newContext();
    const b = await bContext.newPage();
    await signIn(a);
    await signIn(b);

    // The devices page lists both sessions with their device names and marks this one.
    await a.goto(`${server.url}/devices`);
    const rows = a.locator('tbody tr[data-session-id]');
    await expect(rows.count()).resolves.toBe(2);
    const current = a.locator('tr[data-current="true"]');
    await expect(current.locator('.device').textContent()).resolves.toBe('Chrome on macOS');
    await expect(current.locator('.badge').textContent()).resolves.toBe('This device');
    const other = a.locator('tr[data-current="false"]');
    await expect(other.locator('.device').textContent()).resolves.toBe('Firefox on Windows');
    await expect(other.locator('td').nth(1).textContent()).resolves.toBe('127.0.0.1');
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await a.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`[hono-workers] screenshot of the devices page: ${SCREENSHOT}`);

    // A revokes B: B's next page load lands on the sign-in page, told why, without a session cookie.
    await Promise.all([
      a.waitForURL(/\/devices\?done=revoked$/),
      a.click('button[aria-label="Revoke Firefox on Windows"]'),
    ]);
    await expect(a.locator('[role=status]').textContent()).resolves.toContain('That device is signed out');
    await expect(rows.count()).resolves.toBe(1);
    await b.goto(`${server.url}/`);
    expect(new URL(b.url()).pathname).toBe('/login');
    await expect(b.locator('h1').textContent()).resolves.toBe('Sign in');
    await expect(b.locator('[role=status]').textContent()).resolves.toContain('signed out');
    expect((await bContext.cookies()).map((c) => c.name)).not.toContain('_session');
    expect(await sessionsOfAlice()).toEqual([{ device_name: 'Chrome on macOS' }]);

    // B signs in again; "Sign out everywhere" from A leaves no session of alice in D1.
    await signIn(b);
    expect(await sessionsOfAlice()).toHaveLength(2);
    await a.goto(`${server.url}/devices`);
    await Promise.all([a.waitForURL(/\/login\?done=everywhere$/), a.click('text=Sign out everywhere')]);
    await expect(a.locator('[role=status]').textContent()).resolves.toBe(
      'You are signed out on every device.',
    );
    expect(await sessionsOfAlice()).toEqual([]);
    await b.goto(`${server.url}/devices`);
    expect(new URL(b.url()).pathname).toBe('/login');
  });
});

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LaunchedChromium, launchChromium, skipBrowserTests } from '@sess/chromium';
import { CHROME_MAC, FIREFOX_WINDOWS, type ServerProcess } from '@sess/test-kit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionsOfAlice as aliceSessions, signIn as signInAsAlice } from './support/browser.js';
import { startDemoServer } from './support/demo-server.js';

/** Where the screenshot of the devices page goes: `artifacts/` at the repository root (gitignored). */
const SCREENSHOT = fileURLToPath(new URL('../../../artifacts/hono-devices.png', import.meta.url));

const skip = skipBrowserTests();

describe.skipIf(skip)('the demo in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sess-hono-browser-'));
  const dbPath = join(dir, 'demo.sqlite');
  let server: ServerProcess;
  let chromium: LaunchedChromium;

  beforeAll(async () => {
    [server, chromium] = await Promise.all([
      startDemoServer({ DATABASE_URL: `sqlite:${dbPath}` }),
      launchChromium(),
    ]);
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const sessionsOfAlice = () => aliceSessions(dbPath);
  const signIn = (page: Page) => signInAsAlice(page, server.url);

  it('lists two browsers of one user, revokes one, and signs out everywhere', async () => {
    const a = await (await chromium.newContext({ userAgent: CHROME_MAC })).newPage();
    const bContext = await chromium.newContext({ userAgent: FIREFOX_WINDOWS });
    const b = await bContext.newPage();
    await signIn(a);
    await signIn(b);

    // The devices page lists both sessions with the right device names and marks this one.
    await a.goto(`${server.url}/devices`);
    const rows = a.locator('tbody tr[data-session-id]');
    await expect(rows.count()).resolves.toBe(2);
    const current = a.locator('tr[data-current="true"]');
    await expect(current.locator('.device').textContent()).resolves.toBe('Chrome on macOS');
    await expect(current.locator('.badge').textContent()).resolves.toBe('This device');
    const other = a.locator('tr[data-current="false"]');
    await expect(other.locator('.device').textContent()).resolves.toBe('Firefox on Windows');
    await expect(other.locator('td').nth(1).textContent()).resolves.toBe('127.0.0.1');
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await a.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`[hono-app] screenshot of the devices page: ${SCREENSHOT}`);

    // A revokes B: B's next page load is signed out.
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
    expect(sessionsOfAlice().map((s) => s.device_name)).toEqual(['Chrome on macOS']);

    // B signs in again; "Sign out everywhere" from A leaves no session of alice in the database.
    await signIn(b);
    expect(sessionsOfAlice()).toHaveLength(2);
    await a.goto(`${server.url}/devices`);
    await Promise.all([a.waitForURL(/\/login$/), a.click('text=Sign out everywhere')]);
    await expect(a.locator('[role=status]').textContent()).resolves.toBe(
      'You are signed out on every device.',
    );
    expect(sessionsOfAlice()).toEqual([]);
    await b.goto(`${server.url}/devices`);
    expect(new URL(b.url()).pathname).toBe('/login');
  });
});

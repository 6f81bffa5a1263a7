import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LaunchedChromium, launchChromium, skipBrowserTests } from '@sess/chromium';
import { CHROME_MAC, FIREFOX_WINDOWS, type ServerProcess } from '@sess/test-kit';
import Database from 'better-sqlite3';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sessionsOfAlice as aliceSessions, signIn as signInAsAlice } from './support/browser.js';
import { startDemoServer } from './support/demo-server.js';

// Guest cart, "Remember me", flash notices and the password prompt before "Sign out everywhere", in headless
// Chromium against the running demo. The server's clock is moved forward through SESS_DEMO_CLOCK_FILE (a number
// of milliseconds the demo adds to the real time), so a sign-in becomes 11 minutes old without waiting.

const skip = skipBrowserTests();
const COOKIE = '_session';

/** A cookie as the browser's cookie store (CDP `Network.getCookies`) holds it. */
interface CdpCookie {
  name: string;
  value: string;
  /** Seconds since the epoch; -1 for a session cookie. */
  expires: number;
  /** True for a session cookie (dropped when the browser closes). */
  session: boolean;
}

describe.skipIf(skip)('guests, remember me, flash messages and fresh sign-in in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sess-hono-features-'));
  const dbPath = join(dir, 'demo.sqlite');
  const clockFile = join(dir, 'clock-offset-ms');
  let server: ServerProcess;
  let chromium: LaunchedChromium;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [server, chromium] = await Promise.all([
      startDemoServer({ DATABASE_URL: `sqlite:${dbPath}`, SESS_DEMO_CLOCK_FILE: clockFile }),
      launchChromium(),
    ]);
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    moveServerClock(0);
    // Each story starts with an empty session table.
    const db = new Database(dbPath);
    try {
      db.prepare('delete from sess_sessions').run();
    } finally {
      db.close();
    }
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sets the server's clock to the real time plus `offsetMs`. */
  function moveServerClock(offsetMs: number): void {
    writeFileSync(clockFile, String(offsetMs));
  }

  async function newPage(userAgent = CHROME_MAC): Promise<Page> {
    const context = await chromium.newContext({ userAgent });
    contexts.push(context);
    return context.newPage();
  }

  /** Every session row of the demo's database: who owns it (`''` for a guest) and whether it is remembered. */
  function rows(): { user_id: string; remembered: number }[] {
    const db = new Database(dbPath, { readonly: true });
    try {
      return db.prepare('select user_id, remembered from sess_sessions order by user_id').all() as {
        user_id: string;
        remembered: number;
      }[];
    } finally {
      db.close();
    }
  }

  /** The session cookie in the browser's cookie store, read through the Chrome DevTools Protocol. */
  async function storedCookie(page: Page): Promise<CdpCookie | undefined> {
    const cdp = await page.context().newCDPSession(page);
    try {
      const { cookies } = (await cdp.send('Network.getCookies', { urls: [server.url] })) as {
        cookies: CdpCookie[];
      };
      return cookies.find((c) => c.name === COOKIE);
    } finally {
      await cdp.detach();
    }
  }

  /** Signs alice in through the form, ticking "Remember me" or not. */
  async function signIn(page: Page, remember: boolean): Promise<void> {
    await page.goto(`${server.url}/login`);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'wonderland');
    await page.setChecked('#remember', remember);
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('button:has-text("Sign in")')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Hello, Alice');
  }

  const cart = (page: Page) => page.locator('#cart-items li').allTextContents();

  it('a guest fills a cart, signs in, and the cart is still there', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Welcome');
    expect(await storedCookie(page), 'looking at the page sets no cookie').toBeUndefined();
    expect(rows(), 'and writes no row').toEqual([]);

    await Promise.all([page.waitForURL(`${server.url}/`), page.click('button:has-text("Add tea")')]);
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('button:has-text("Add biscuits")')]);
    await expect(cart(page)).resolves.toEqual(['Tea', 'Biscuits']);
    const guestCookie = await storedCookie(page);
    expect(guestCookie?.value, 'the first item started a guest session').toMatch(/^[0-9a-f]{64}$/);
    expect(rows().map((r) => r.user_id)).toEqual(['']);

    await signIn(page, true);
    await expect(cart(page), 'the cart came along with the sign-in').resolves.toEqual(['Tea', 'Biscuits']);
    expect((await storedCookie(page))?.value, 'sign-in gave a new token').not.toBe(guestCookie?.value);
    expect(
      rows().map((r) => r.user_id),
      'the guest row is gone',
    ).toEqual(['alice']);
  });

  it('"Remember me" off gives a browser-session cookie, on a persistent one, and the devices page says which', async () => {
    const once = await newPage(FIREFOX_WINDOWS);
    await signIn(once, false);
    const browserOnly = await storedCookie(once);
    console.log('[browser-features] Remember me off, the cookie store has:', {
      expires: browserOnly?.expires,
      session: browserOnly?.session,
    });
    expect(browserOnly?.session, 'a session cookie').toBe(true);
    expect(browserOnly?.expires).toBe(-1);

    const kept = await newPage(CHROME_MAC);
    await signIn(kept, true);
    const persistent = await storedCookie(kept);
    const days = ((persistent?.expires ?? 0) - Date.now() / 1000) / 86_400;
    console.log('[browser-features] Remember me on, the cookie store has:', {
      expires: persistent?.expires,
      session: persistent?.session,
      days: days.toFixed(3),
    });
    expect(persistent?.session, 'a persistent cookie').toBe(false);
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThanOrEqual(30);

    await kept.goto(`${server.url}/devices`);
    const remembered = async (row: string) =>
      kept.locator(`${row} td.remembered`).getAttribute('data-remembered');
    await expect(remembered('tr[data-current="true"]')).resolves.toBe('true');
    await expect(remembered('tr[data-current="false"]')).resolves.toBe('false');
    await expect(kept.locator('tr[data-current="false"] td.remembered').textContent()).resolves.toContain(
      'until the browser closes',
    );
    expect(
      rows()
        .map((r) => r.remembered)
        .sort(),
    ).toEqual([0, 1]);
  });

  it('a revoked browser lands on the sign-in page with a notice that it was signed out elsewhere', async () => {
    const a = await newPage(CHROME_MAC);
    const b = await newPage(FIREFOX_WINDOWS);
    await signInAsAlice(a, server.url);
    await signInAsAlice(b, server.url);
    await a.goto(`${server.url}/devices`);
    await Promise.all([
      a.waitForURL(/\/devices\?done=revoked$/),
      a.click('button[aria-label="Revoke Firefox on Windows"]'),
    ]);

    await b.goto(`${server.url}/devices`);
    expect(new URL(b.url()).pathname).toBe('/login');
    const notice = await b.locator('[role=status]').textContent();
    console.log(`[browser-features] the revoked browser reads: "${notice}"`);
    expect(notice).toContain('This browser was signed out');
    expect(notice).toContain('on another device');
    expect(await storedCookie(b), 'the revoked cookie is cleared').toBeUndefined();
    await b.goto(`${server.url}/login`);
    await expect(b.locator('[role=status]').count(), 'the notice belongs to that one landing').resolves.toBe(
      0,
    );
    expect(aliceSessions(dbPath).map((s) => s.device_name)).toEqual(['Chrome on macOS']);
    expect(
      rows().map((r) => r.user_id),
      'and it wrote no guest session',
    ).toEqual(['alice']);
  });

  it('"Sign out everywhere" asks for the password once the sign-in is 11 minutes old, then signs out everywhere', async () => {
    const a = await newPage(CHROME_MAC);
    const b = await newPage(FIREFOX_WINDOWS);
    await signInAsAlice(a, server.url);
    await signInAsAlice(b, server.url);

    moveServerClock(11 * 60_000);
    await a.goto(`${server.url}/devices`);
    await Promise.all([
      a.waitForURL(`${server.url}/devices/confirm-password`),
      a.click('text=Sign out everywhere'),
    ]);
    await expect(a.locator('h1').textContent()).resolves.toBe('Confirm your password');
    expect(aliceSessions(dbPath), 'nothing signed out yet').toHaveLength(2);

    await a.fill('#password', 'not-the-password');
    await a.click('button:has-text("Confirm and sign out everywhere")');
    await expect(a.locator('[role=alert]').textContent()).resolves.toBe('Wrong password.');
    expect(aliceSessions(dbPath)).toHaveLength(2);

    await a.fill('#password', 'wonderland');
    await Promise.all([
      a.waitForURL(`${server.url}/login`),
      a.click('button:has-text("Confirm and sign out everywhere")'),
    ]);
    await expect(a.locator('[role=status]').textContent()).resolves.toBe(
      'You are signed out on every device.',
    );
    expect(aliceSessions(dbPath)).toEqual([]);
    await b.goto(`${server.url}/`);
    expect(new URL(b.url()).pathname).toBe('/login');
  });
});

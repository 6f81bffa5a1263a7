import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LaunchedChromium, launchChromium, skipBrowserTests } from '@sess/chromium';
import { nextLogProblems } from '@sess/test-kit';
import Database from 'better-sqlite3';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type RunningApp, SCREENSHOT_DIR, startNext } from './next-app.js';

// The built app (test/global-setup.ts runs `next build`) under `next start` on a loopback port, on a SQLite file
// of its own, driven in headless Chromium. Each page is saved as a screenshot under artifacts/next-app/.
const skip = skipBrowserTests();

// The "phone": another browser family than the laptop's, as the browser's own User-Agent (`--user-agent`): with
// Playwright's per-context override, a request a page sent while closing left with Chromium's User-Agent and the
// fingerprint check rightly destroyed the phone's session.
const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';

describe.skipIf(skip)('Next.js example in Chromium (next build + next start)', () => {
  let dir: string;
  let server: RunningApp;
  let chromium: LaunchedChromium;
  let firefoxLike: LaunchedChromium;
  let laptop: BrowserContext;
  let phone: BrowserContext;

  /** What each browser context asked the server for, and the answers (static files left out). */
  const traffic = new Map<BrowserContext, string[]>();

  function recordTraffic(context: BrowserContext, name: string): BrowserContext {
    const lines: string[] = [];
    traffic.set(context, lines);
    context.on('response', (response) => {
      const url = new URL(response.url());
      if (url.pathname.startsWith('/_next/static/')) return;
      lines.push(
        `${name}: ${response.request().method()} ${url.pathname}${url.search} -> ${response.status()}`,
      );
    });
    return context;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sess-next-app-'));
    server = await startNext({ DATABASE_URL: `file:${join(dir, 'demo.sqlite')}` });
    chromium = await launchChromium();
    laptop = recordTraffic(await chromium.newContext(), 'laptop');
    firefoxLike = await launchChromium({ userAgent: FIREFOX_UA });
    phone = recordTraffic(await firefoxLike.newContext(), 'phone');
  });

  afterAll(async () => {
    await chromium?.close();
    await firefoxLike?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The sessions table, the server's session events and the browser's requests: what a failure message needs. */
  function diagnostics(context?: BrowserContext): string {
    const db = new Database(join(dir, 'demo.sqlite'), { readonly: true });
    let rows: unknown[];
    try {
      rows = db.prepare('SELECT id, user_id, device_name, created_at, expires_at FROM sess_sessions').all();
    } finally {
      db.close();
    }
    const events: string[] = [];
    const others: string[] = [];
    for (const line of server.output().split('\n')) {
      if (line.startsWith('[sess] ')) events.push(line);
      else if (line.trim() !== '') others.push(line);
    }
    return [
      `sess_sessions: ${JSON.stringify(rows)}`,
      `session events (last 15 of ${events.length}):`,
      ...events.slice(-15),
      ...(context ? ['requests (last 15):', ...(traffic.get(context) ?? []).slice(-15)] : []),
      'other server output (last 15 lines):',
      ...others.slice(-15),
    ].join('\n');
  }

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(`[next-app e2e] ${diagnostics()}`));
  });

  /** Saves what the page shows as `artifacts/next-app/<name>.png` (the whole page). */
  async function screenshot(page: Page, name: string): Promise<void> {
    // Wait for every <Suspense> boundary to show its content: a streamed part sits in a hidden node (where locators
    // already find it) until React swaps it in for the skeleton.
    await expect.poll(() => page.locator('.skeleton:visible').count()).toBe(0);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  }

  /**
   * The page's confirmation (`?done=...` after an action), or its error. Visible only: Next.js keeps the page it
   * navigated away from in the document, hidden, for the back button.
   */
  function notice(page: Page) {
    return page.locator('[data-testid=notice]:visible, [data-testid=error]:visible').textContent();
  }

  /**
   * Signs in on the login page through the server action and waits for the devices page to list this browser as
   * "This device": the URL alone would not prove that a session was saved.
   */
  async function signIn(
    context: BrowserContext,
    user = 'alice',
    password = user === 'bob' ? 'builder' : 'wonderland',
    remember = true,
  ): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await page.selectOption('select[name=user]', user);
    await page.fill('input[name=password]', password);
    await page.setChecked('input[name=remember]', remember);
    await page.click('button:text("Sign in")');
    await page.waitForURL((url) => url.pathname === '/devices');
    try {
      await page.locator('[data-testid=device][data-current=true]').waitFor({ timeout: 15_000 });
    } catch (error) {
      throw new Error(
        `Signing in as ${user} did not list this browser on /devices (the page is at ${page.url()}).\n${diagnostics(context)}`,
        { cause: error },
      );
    }
    return page;
  }

  /**
   * GETs a URL as the browser of `context` (a page navigation, so with its User-Agent and Accept-Language: the
   * session fingerprint rests on them, and Playwright's API client would not match it).
   */
  async function browse(context: BrowserContext, path: string) {
    const page = await context.newPage();
    try {
      const response = await page.goto(`${server.url}${path}`);
      if (!response) throw new Error(`no response for ${path}`);
      return {
        status: response.status(),
        text: await response.text(),
        setCookies: (await response.headersArray()).filter((h) => h.name.toLowerCase() === 'set-cookie'),
      };
    } finally {
      await page.close();
    }
  }

  /** Reloads the page and counts its visible notices once the sign-in form is there. */
  async function noticeAfterReload(page: Page): Promise<number> {
    await page.reload();
    await page.locator('form button:text("Sign in")').waitFor();
    await expect.poll(() => page.locator('.skeleton:visible').count()).toBe(0);
    return page.locator('[data-testid=notice]:visible').count();
  }

  /** How many sessions `userId` has in the table (guest sessions have user_id ''). */
  function sessionsOf(userId: string): number {
    const db = new Database(join(dir, 'demo.sqlite'), { readonly: true });
    try {
      return (
        db.prepare('SELECT count(*) AS n FROM sess_sessions WHERE user_id = ?').get(userId) as { n: number }
      ).n;
    } finally {
      db.close();
    }
  }

  async function apiMe(context: BrowserContext) {
    const { status, text } = await browse(context, '/api/me');
    return { status, body: JSON.parse(text) as Record<string, any> };
  }

  it('sends a signed-out visitor from the pages to the sign-in page, which lists the demo users', async () => {
    const stranger = await chromium.newContext();
    const page = await stranger.newPage();
    for (const path of ['/', '/devices']) {
      const response = await page.goto(`${server.url}${path}`);
      expect(new URL(page.url()).pathname, path).toBe('/login');
      expect(response?.status()).toBe(200);
    }
    expect(await page.locator('table').textContent()).toContain('wonderland');
    await screenshot(page, '1-login');
    await stranger.close();
  });

  it('rejects a wrong password without a session, and says so', async () => {
    const stranger = await chromium.newContext();
    const page = await stranger.newPage();
    await page.goto(`${server.url}/login`);
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button:text("Sign in")');
    await page.waitForURL('**/login?error=1');
    expect(await notice(page)).toContain('Wrong user or password');
    expect((await stranger.cookies()).filter((c) => c.name === '_session')).toEqual([]);
    await screenshot(page, '2-login-wrong-password');
    await stranger.close();
  });

  it('signs in through the server action; the devices page confirms it and lists this session', async () => {
    const page = await signIn(laptop);
    const rows = page.getByTestId('device');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-current')).toBe('true');
    expect(await rows.first().textContent()).toContain('Chrome on Linux');
    expect(await rows.first().textContent()).toContain('This device');
    expect(await rows.first().textContent()).toContain('just now');
    expect(await notice(page)).toContain('You are signed in');
    // Next.js gives the app no client address: the page says why instead of printing "unknown".
    expect(await rows.first().textContent()).toContain('not recorded');
    expect(await page.getByTestId('ip-note').textContent()).toContain('TRUSTED_PROXIES');
    const [cookie] = (await laptop.cookies()).filter((c) => c.name === '_session');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(cookie?.value).toMatch(/^[0-9a-f]{64}$/);
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('Alice');
    await screenshot(page, '3-devices-signed-in');
    // A signed-in visitor of the sign-in page is sent home.
    await page.goto(`${server.url}/login`);
    expect(new URL(page.url()).pathname).toBe('/');
    await page.close();
  });

  it('keeps a visit counter in the session, changed by a server action and read by /api/me', async () => {
    const page = await laptop.newPage();
    await page.goto(server.url);
    await page.getByRole('heading', { level: 1, name: 'Hello, Alice' }).waitFor();
    for (const expected of ['1', '2']) {
      await page.click('button:text("Count a visit")');
      await expect.poll(() => page.getByTestId('visits').textContent()).toBe(expected);
    }
    const me = await apiMe(laptop);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId: 'alice', name: 'Alice', visits: 2 });
    await screenshot(page, '4-home');
    await page.close();
  });

  it('shows a second browser context as another device in the list', async () => {
    (await signIn(phone)).close();
    const page = await laptop.newPage();
    await page.goto(`${server.url}/devices`);
    const rows = page.locator('[data-testid=device]:visible');
    await expect.poll(() => rows.count()).toBe(2);
    // This device first, whichever was active last.
    expect(await rows.first().getAttribute('data-current')).toBe('true');
    const other = page.locator('[data-testid=device][data-current=false]');
    expect(await other.textContent()).toContain('Firefox on Linux');
    await screenshot(page, '5-devices-two');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, '5-devices-two-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, '5-devices-two-phone');
    await page.close();
  });

  it('revoking the other device from this one signs that browser out, and /api/me answers it 401', async () => {
    const page = await laptop.newPage();
    await page.goto(`${server.url}/devices`);
    await page.locator('[data-testid=device][data-current=false] button:text("Revoke")').click();
    await expect.poll(() => page.getByTestId('device').count()).toBe(1);
    expect(await page.getByTestId('device').getAttribute('data-current')).toBe('true');
    expect(await notice(page)).toContain('That device is signed out');
    await screenshot(page, '6-devices-revoked');
    await page.close();

    const staleToken = (await phone.cookies()).find((c) => c.name === '_session')?.value;
    const phonePage = await phone.newPage();
    await phonePage.goto(`${server.url}/devices`);
    await phonePage.waitForURL('**/login?done=elsewhere');
    // The proxy saw a cookie whose session was ended elsewhere and said so in the sign-in page's URL.
    expect(await notice(phonePage)).toContain('signed out: its session was ended on another device');
    await screenshot(phonePage, '6-login-revoked-elsewhere');
    await phonePage.close();
    const me = await apiMe(phone);
    expect(me.status).toBe(401);
    expect(me.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
    // The stale cookie is cleared (the URL carries the notice: nothing is written for a dead cookie).
    expect((await phone.cookies()).find((c) => c.name === '_session')?.value).not.toBe(staleToken);
  });

  it('answers GET /api/sessions with the device list and no token in it', async () => {
    const { status, text } = await browse(laptop, '/api/sessions');
    expect(status).toBe(200);
    const { sessions } = JSON.parse(text) as { sessions: { current: boolean; ipAddress: string }[] };
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ current: true, ipAddress: 'unknown' });
    const token = (await laptop.cookies()).find((c) => c.name === '_session')?.value;
    expect(token && text.includes(token)).toBe(false);
    expect((await browse(phone, '/api/sessions')).status).toBe(401);
  });

  it('refreshes the cookie in the proxy when a page view finds a touch due', async () => {
    const token = (await laptop.cookies()).find((c) => c.name === '_session')?.value;
    const db = new Database(join(dir, 'demo.sqlite'));
    try {
      // Make the session look an hour idle (the app touches after 5 minutes).
      db.prepare(
        "UPDATE sess_sessions SET last_active_at = last_active_at - 3600000 WHERE user_id = 'alice'",
      ).run();
      const lastActive = db.prepare("SELECT last_active_at AS t FROM sess_sessions WHERE user_id = 'alice'");
      const before = lastActive.get() as { t: number };
      const { status, setCookies } = await browse(laptop, '/');
      expect(status).toBe(200);
      const refreshed = setCookies.map((h) => h.value).find((v) => v.startsWith(`_session=${token};`));
      // Max-Age is the 30-day ttl from the touch, give or take the second the request took.
      expect(Number(/Max-Age=(\d+)/.exec(refreshed ?? '')?.[1])).toBeGreaterThan(30 * 24 * 3600 - 10);
      const after = lastActive.get() as { t: number };
      expect(after.t - before.t).toBeGreaterThanOrEqual(3_600_000);
    } finally {
      db.close();
    }
  });

  it('signs out the other devices, then everywhere, after which /api/me answers 401', async () => {
    (await signIn(phone)).close();
    const page = await laptop.newPage();
    // The list is rendered on the server once per load: poll by reloading (a busy CI machine renders slowly).
    await expect
      .poll(
        async () => {
          await page.goto(`${server.url}/devices`);
          return page.getByTestId('device').count();
        },
        { timeout: 15_000 },
      )
      .toBe(2);
    await page.click('button:text("Sign out all other devices")');
    await expect.poll(() => page.getByTestId('device').count()).toBe(1);
    expect(await notice(page)).toBe('Signed out 1 other device.');
    expect(await page.locator('button:text("Sign out all other devices")').isDisabled()).toBe(true);
    await screenshot(page, '7-devices-signed-out-others');
    expect((await apiMe(phone)).status).toBe(401);

    await page.click('button:text("Sign out everywhere")');
    await page.waitForURL((url) => url.pathname === '/login');
    // A flash message, kept in a guest session after logoutAll() and read once by the sign-in page.
    expect(await notice(page)).toContain('You are signed out on every device');
    await screenshot(page, '8-login-signed-out-everywhere');
    expect((await apiMe(laptop)).status).toBe(401);
    expect(sessionsOf('alice')).toBe(0);
    await expect.poll(() => noticeAfterReload(page)).toBe(0);
    await page.close();
  });

  it('signs out with the header button; the next /api/me answers 401 JSON', async () => {
    const page = await signIn(laptop);
    expect((await apiMe(laptop)).status).toBe(200);
    await page.click('header button:text("Sign out")');
    await page.waitForURL((url) => url.pathname === '/login');
    expect(await notice(page)).toBe('You are signed out.');
    const me = await apiMe(laptop);
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('UNAUTHENTICATED');
    await page.close();
  });

  it('sends the session cookie at most once per response, on pages, actions and route handlers', async () => {
    const stale = `_session=${'d'.repeat(64)}`;
    for (const path of ['/login', '/', '/devices', '/api/me', '/api/sessions']) {
      const response = await fetch(`${server.url}${path}`, {
        headers: { cookie: stale },
        redirect: 'manual',
      });
      const lines = response.headers.getSetCookie().filter((line) => line.startsWith('_session='));
      // The stale cookie is cleared everywhere; no guest row is written for it (a made-up cookie writes nothing).
      expect(lines, path).toEqual([expect.stringMatching(/^_session=; Path=\/; Max-Age=0;/)]);
    }
  });

  it('signs in without "Keep me signed in" with a browser-session cookie, listed as such', async () => {
    const kiosk = await chromium.newContext();
    const page = await signIn(kiosk, 'bob', 'builder', false);
    const [cookie] = (await kiosk.cookies()).filter((c) => c.name === '_session');
    expect(cookie?.expires).toBe(-1); // no Max-Age/Expires: the browser drops it when it closes
    expect(
      await page.locator('[data-testid=device][data-current=true]').getAttribute('data-remembered'),
    ).toBe('false');
    expect(await page.locator('[data-testid=device][data-current=true]').textContent()).toContain(
      'until the browser closes',
    );
    const { sessions } = JSON.parse((await browse(kiosk, '/api/sessions')).text) as {
      sessions: { remembered: boolean }[];
    };
    expect(sessions).toEqual([expect.objectContaining({ remembered: false })]);
    await kiosk.close();
  });

  it('logs no warning in next build or next start', async () => {
    expect(nextLogProblems(inject('nextBuildLog'))).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the last request's output
    expect(nextLogProblems(server.output())).toEqual([]);
  });
});

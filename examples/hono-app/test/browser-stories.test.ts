import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LaunchedChromium, launchChromium, skipBrowserTests } from '@sess/chromium';
import { CHROME_MAC, FIREFOX_WINDOWS, type ServerProcess } from '@sess/test-kit';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sessionsOfAlice as aliceSessions, signIn as signInAsAlice } from './support/browser.js';
import { startDemoServer } from './support/demo-server.js';

// Stories a user lives through in a real browser (headless Chromium) against the running demo: two tabs racing a
// token rotation, a browser update, a cookie carried to another browser, a media request. Sessions of alice are
// signed out everywhere after each story, so every story starts from none.

const skip = skipBrowserTests();

/** The next major of {@link CHROME_MAC} (Chrome 131 on macOS): what the same browser sends after an update. */
const CHROME_132_MAC = CHROME_MAC.replace('Chrome/131.0.0.0', 'Chrome/132.0.0.0');
const COOKIE = '_session';
const ROUNDS = 50;

/** What the media story uses of the page's `document`. */
interface PageDocument {
  createElement(tag: 'video'): { preload: string; src: string };
  body: { append(node: unknown): void };
}

/** One `/api/me` answer as the page saw it. */
interface Answer {
  status: number;
  body: string;
}

describe.skipIf(skip)('user stories in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sess-hono-stories-'));
  const dbPath = join(dir, 'demo.sqlite');
  let server: ServerProcess;
  let chromium: LaunchedChromium;
  /** Contexts a story opened, closed after it. */
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [server, chromium] = await Promise.all([
      startDemoServer({ DATABASE_URL: `sqlite:${dbPath}` }),
      launchChromium(),
    ]);
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    // Whatever the story left behind: sign alice out everywhere from a fresh browser.
    const page = await newPage();
    await signIn(page);
    await page.goto(`${server.url}/devices`);
    await Promise.all([page.waitForURL(/\/login$/), page.click('text=Sign out everywhere')]);
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function newContext(): Promise<BrowserContext> {
    const context = await chromium.newContext();
    contexts.push(context);
    return context;
  }

  async function newPage(): Promise<Page> {
    return (await newContext()).newPage();
  }

  const sessionsOfAlice = () => aliceSessions(dbPath);
  const signIn = (page: Page) => signInAsAlice(page, server.url);

  /** The heading of `/` after a fresh navigation: "Hello, Alice" when signed in, "Sign in" when not. */
  async function home(page: Page): Promise<string | null> {
    await page.goto(`${server.url}/`);
    return page.locator('h1').textContent();
  }

  /** The session cookie in the context's jar, or `undefined`. */
  async function sessionCookie(context: BrowserContext): Promise<string | undefined> {
    return (await context.cookies(server.url)).find((c) => c.name === COOKIE)?.value;
  }

  /** The request headers a story cares about, with the cookie's value hidden. */
  function shown(headers: Record<string, string>): Record<string, string> {
    const keep = ['user-agent', 'accept', 'accept-encoding', 'accept-language', 'range', 'sec-fetch-dest'];
    const out = Object.fromEntries(keep.filter((k) => headers[k] !== undefined).map((k) => [k, headers[k]]));
    return { ...out, cookie: headers.cookie ? headers.cookie.replace(/=[^;]+/g, '=…') : '(none)' };
  }

  /**
   * In the page: `count` calls of `fetch('/api/me')`, one every `spacingMs`, the way a single-page app polls;
   * resolves every answer once all are in. The route answers `Cache-Control: no-store`: each call reaches the server.
   */
  function callMe(page: Page, count: number, spacingMs: number): Promise<Answer[]> {
    return page.evaluate(
      async ({ count, spacingMs }) => {
        const calls: Promise<{ status: number; body: string }>[] = [];
        for (let i = 0; i < count; i++) {
          calls.push(
            fetch('/api/me', {
              credentials: 'same-origin',
              headers: { Accept: 'application/json' },
            }).then(async (r) => ({ status: r.status, body: await r.text() })),
          );
          if (spacingMs > 0) await new Promise((resolve) => setTimeout(resolve, spacingMs));
        }
        return Promise.all(calls);
      },
      { count, spacingMs },
    );
  }

  /** In the page: `POST /api/rotate` as the page's own script would send it (csrf() accepts its same-origin fetch). */
  function rotate(page: Page): Promise<number> {
    return page.evaluate(() =>
      fetch('/api/rotate', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
      }).then((r) => r.status),
    );
  }

  /** A `/api/me` answer that is not "200, alice". */
  function isBad(answer: Answer): boolean {
    if (answer.status !== 200) return true;
    try {
      return (JSON.parse(answer.body) as { userId?: unknown }).userId !== 'alice';
    } catch {
      return true;
    }
  }

  it(`two tabs: one rotates while the other has requests in flight, ${ROUNDS} rounds, nobody is signed out`, async () => {
    const context = await newContext();
    const a = await context.newPage();
    const b = await context.newPage();
    await signIn(a);
    await expect(home(b)).resolves.toBe('Hello, Alice');

    const signedOut: string[] = [];
    const badAnswers: string[] = [];
    const notRotated: number[] = [];
    const rotateFailed: string[] = [];
    const seen = new Set<string>();
    for (let round = 1; round <= ROUNDS; round++) {
      const before = await sessionCookie(context);
      if (before) seen.add(before);
      // Tab B polls /api/me every few ms; 5 ms after it starts, tab A rotates: some of B's requests leave with the
      // old cookie before A's answer (with the new cookie) is in, some reach the server after the rotation.
      const [during, rotated] = await Promise.all([
        callMe(b, 8, 4),
        new Promise((resolve) => setTimeout(resolve, 5)).then(() => rotate(a)),
      ]);
      const afterwards = await callMe(b, 3, 0);
      const bad = [...during, ...afterwards].filter(isBad);
      const after = await sessionCookie(context);
      const heading = await home(b);

      if (rotated !== 200) rotateFailed.push(`round ${round}: POST /api/rotate answered ${rotated}`);
      if (bad.length > 0) {
        const statuses = bad.map((x) => x.status).join(',');
        badAnswers.push(`round ${round}: ${bad.length} of 11 /api/me answers not 200-alice (${statuses})`);
      }
      if (after === undefined || heading !== 'Hello, Alice') {
        signedOut.push(
          `round ${round}: ${after === undefined ? 'cookie jar emptied' : 'cookie kept'}, / shows "${heading}"`,
        );
        await signIn(a); // carry on signed in, so each round counts on its own
      } else if (after === before) {
        notRotated.push(round);
      } else {
        seen.add(after);
      }
    }

    console.log(
      `[browser-stories] rotation race: ${signedOut.length} of ${ROUNDS} rounds signed the user out; ` +
        `${badAnswers.length} of ${ROUNDS} rounds had /api/me answers other than 200 alice; ` +
        `${seen.size} distinct cookie values seen`,
    );
    for (const line of [...signedOut, ...badAnswers, ...rotateFailed].slice(0, 20))
      console.log(`[browser-stories]   ${line}`);

    expect(rotateFailed, 'every POST /api/rotate should answer 200').toEqual([]);
    expect(
      signedOut,
      `${signedOut.length} of ${ROUNDS} rounds signed the user out (cookie jar emptied or / not "Hello, Alice")`,
    ).toEqual([]);
    expect(
      badAnswers,
      `${badAnswers.length} of ${ROUNDS} rounds had a /api/me answer that was not 200 with alice`,
    ).toEqual([]);
    expect(notRotated, 'rounds whose rotation left the cookie unchanged').toEqual([]);
    expect(seen.size, 'one cookie value per rotation, plus the first').toBe(ROUNDS + 1);
  });

  /** A page whose User-Agent (and maybe Accept-Language) is overridden through the Chrome DevTools Protocol. */
  async function pageWithUserAgent(userAgent: string): Promise<{ page: Page; cdp: CDPSession }> {
    const context = await newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.setUserAgentOverride', { userAgent });
    return { page, cdp };
  }

  /** Reloads `/` and resolves the headers the browser sent and the heading it shows. */
  async function reloadHome(page: Page): Promise<{ sent: Record<string, string>; heading: string | null }> {
    const response = await page.goto(`${server.url}/`);
    // The first request of the navigation carried the cookie; a redirect to /login follows it when refused.
    let request = response?.request();
    while (request?.redirectedFrom()) request = request.redirectedFrom() ?? undefined;
    const sent = request ? await request.allHeaders() : {};
    return { sent, heading: await page.locator('h1').textContent() };
  }

  it('a browser update keeps the user signed in', async () => {
    const { page, cdp } = await pageWithUserAgent(CHROME_MAC);
    await signIn(page);

    // The browser updates itself: Chrome 131 → 132, same Mac.
    await cdp.send('Network.setUserAgentOverride', { userAgent: CHROME_132_MAC });
    const updated = await reloadHome(page);
    expect(updated.sent['user-agent'], 'the override reached the wire').toBe(CHROME_132_MAC);
    expect(updated.heading, 'after the update to Chrome/132 the home page should still greet Alice').toBe(
      'Hello, Alice',
    );

    // ... and the user picks another preferred language (Chromium adds the q-values itself).
    await cdp.send('Network.setUserAgentOverride', {
      userAgent: CHROME_132_MAC,
      acceptLanguage: 'de-DE,de,en',
    });
    const german = await reloadHome(page);
    console.log('[browser-stories] headers of / after the update:', shown(german.sent));
    expect(german.sent['accept-language'], 'the Accept-Language override reached the wire').toMatch(/^de-DE/);
    expect(german.heading, 'after a changed Accept-Language the home page should still greet Alice').toBe(
      'Hello, Alice',
    );

    await page.goto(`${server.url}/devices`);
    const devices = await page.locator('tbody tr[data-session-id] .device').allTextContents();
    expect(devices, 'the devices page lists the one session, still named for Chrome on macOS').toEqual([
      'Chrome on macOS',
    ]);
  });

  it('a cookie taken to another browser family is refused', async () => {
    const { page, cdp } = await pageWithUserAgent(CHROME_MAC);
    await signIn(page);
    expect(sessionsOfAlice().map((s) => s.device_name)).toEqual(['Chrome on macOS']);

    // The same cookie now comes from Firefox on Windows.
    await cdp.send('Network.setUserAgentOverride', { userAgent: FIREFOX_WINDOWS });
    const moved = await reloadHome(page);
    expect(moved.sent['user-agent'], 'the override reached the wire').toBe(FIREFOX_WINDOWS);
    expect(new URL(page.url()).pathname, 'the refused cookie lands on the sign-in page').toBe('/login');
    expect(moved.heading).toBe('Sign in');
    expect(sessionsOfAlice(), 'the session row is destroyed').toEqual([]);
    expect(await sessionCookie(page.context()), 'the cookie is cleared').toBeUndefined();
  });

  it('a media request with Accept-Encoding: identity does not sign the user out', async () => {
    const page = await newPage();
    await signIn(page);

    // A <video> pointing at an authenticated URL: Chromium fetches media with its own headers.
    const media = page.waitForResponse((r) => r.url().endsWith('/api/me?as=media'));
    await page.evaluate((src) => {
      // The page's document (this file is type-checked without the DOM library, hence the shape spelled out).
      const { document } = globalThis as unknown as { document: PageDocument };
      const video = document.createElement('video');
      video.preload = 'auto';
      video.src = src;
      document.body.append(video);
    }, '/api/me?as=media');
    const response = await media;
    const sent = await response.request().allHeaders();
    console.log(
      `[browser-stories] the media request (${response.request().resourceType()}) sent:`,
      shown(sent),
      `and got ${response.status()}`,
    );
    expect(sent['accept-encoding'], 'the media request sent Accept-Encoding: identity').toMatch(/identity/);
    expect(sent.cookie, 'the media request carried the session cookie').toContain(`${COOKIE}=`);

    await expect(home(page), 'after the media request the home page should still greet Alice').resolves.toBe(
      'Hello, Alice',
    );
    expect(sessionsOfAlice(), 'the session row is still there').toHaveLength(1);
  });
});

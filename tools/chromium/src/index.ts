import { existsSync } from 'node:fs';
import { type BrowserContext, chromium } from 'playwright-core';

/** Where Chromium is: `SESS_CHROMIUM`, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string | null {
  const path = process.env.SESS_CHROMIUM || '/usr/bin/chromium';
  return existsSync(path) ? path : null;
}

/**
 * True when browser tests must be skipped: no Chromium on a laptop outside CI. Under CI a missing Chromium is an
 * error (`.ci/run` installs it), so this throws there.
 */
export function skipBrowserTests(): string | false {
  if (chromiumPath()) return false;
  if (process.env.CI)
    throw new Error("Chromium not found: .ci/run installs Debian's chromium; set SESS_CHROMIUM to its path.");
  const why =
    'browser tests skipped: no Chromium at SESS_CHROMIUM or /usr/bin/chromium (apt-get install chromium)';
  console.warn(`[sess] ${why}`);
  return why;
}

/** A headless Chromium; each launch has a fresh profile. */
export interface LaunchedChromium {
  newContext(options?: { userAgent?: string }): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Options of {@link launchChromium}. */
export interface LaunchOptions {
  /**
   * The User-Agent of every request of this browser, set on the command line. Prefer it to a context's `userAgent`
   * when the User-Agent matters to the server (the session fingerprint): Playwright sets that one per page over
   * DevTools, and a request a page sends while it closes can leave with Chromium's own User-Agent.
   */
  userAgent?: string | undefined;
}

/**
 * Launches Debian's Chromium headless with the flags this machine needs (no sandbox as root, no background
 * network). Playwright gives each launch a fresh temporary profile and removes it on close.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<LaunchedChromium> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('Chromium not found (apt-get install chromium, or set SESS_CHROMIUM)');
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...(options.userAgent ? [`--user-agent=${options.userAgent}`] : []),
    ],
  });
  return {
    newContext: (options = {}) =>
      browser.newContext(options.userAgent ? { userAgent: options.userAgent } : {}),
    close: () => browser.close(),
  };
}

// Part 3 of issue 8: the Hono, Next.js and NestJS demos on one database, one table and one cookie configuration
// (name, signing secret, fingerprint headers) accept each other's sessions.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { launchChromium, skipBrowserTests } from '@sess/chromium';
import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { freePort, type ServerProcess } from '@sess/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from './support/server-process.js';

const require = createRequire(import.meta.url);
const NEXT_DIR = dirname(require.resolve('@sess/example-next-app/package.json'));
const NEST_DIR = dirname(require.resolve('@sess/example-nest-app/package.json'));
const NEXT_BIN = join(dirname(require.resolve('next/package.json', { paths: [NEXT_DIR] })), 'dist/bin/next');

const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
const LANGUAGE = 'en-GB';
/** What every app of the shared table is configured with. */
const SHARED = {
  SESSION_SECRET: 'one-secret-for-every-app-of-this-table-32+',
  // Next.js rewrites Accept-Encoding on its internal renders, so apps that share a table with it leave it out.
  SESS_FINGERPRINT_HEADERS: 'user-agent,accept-language',
};
const HEADERS = { 'user-agent': UA, 'accept-language': LANGUAGE };

/** Starts a process and resolves once its output matches `ready`. */
function startProcess(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; ready: RegExp },
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: 'pipe',
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (options.ready.test(output)) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}

function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The `_session` value a response set, if it set one. */
function sessionCookieOf(response: Response): string | undefined {
  for (const header of response.headers.getSetCookie()) {
    const match = /^_session=([^;]*)/.exec(header);
    if (match) return match[1];
  }
  return undefined;
}

async function get(url: string, cookie: string | undefined): Promise<Response> {
  return fetch(url, {
    headers: { ...HEADERS, ...(cookie ? { cookie: `_session=${cookie}` } : {}) },
    redirect: 'manual',
  });
}

/** Who Hono's home page greets, or null when it sends the browser to sign in. */
async function honoUser(base: string, cookie: string): Promise<string | null> {
  const response = await get(`${base}/`, cookie);
  if (response.status === 303) return null;
  expect(response.status).toBe(200);
  return /Hello, (\w+)/.exec(await response.text())?.[1] ?? null;
}

/** The user id the Next.js JSON route answers with, or null on 401. */
async function nextUser(base: string, cookie: string): Promise<string | null> {
  const response = await get(`${base}/api/me`, cookie);
  if (response.status === 401) return null;
  expect(response.status).toBe(200);
  const body = (await response.json()) as { userId?: string; user?: { id: string } };
  return body.userId ?? body.user?.id ?? null;
}

/** The user id the Nest API answers with, or null on 401. */
async function nestUser(base: string, cookie: string): Promise<string | null> {
  const response = await get(`${base}/me`, cookie);
  if (response.status === 401) return null;
  expect(response.status).toBe(200);
  const body = (await response.json()) as { userId?: string; user?: { id: string } };
  return body.user?.id ?? body.userId ?? null;
}

const skipBrowser = skipBrowserTests();

forEachDialect(
  (spec) =>
    describe.skipIf(skipBrowser)('the Hono, Next.js and NestJS demos on one table', () => {
      const table = uniqueTableName('hard_frameworks');
      const t = useTestDatabase(spec, { sessionTables: [table] });
      let hono: ServerProcess;
      let next: { child: ChildProcess; output: () => string };
      let nest: { child: ChildProcess; output: () => string };
      const urls = { hono: '', next: '', nest: '' };

      beforeAll(async () => {
        const env = {
          ...SHARED,
          DATABASE_URL: t.url as string,
          SESS_TABLE: table,
          NEXT_TELEMETRY_DISABLED: '1',
        };
        // A Next.js build of its own (its own dist dir), so the example's e2e test may build .next at the same time.
        execFileSync(process.execPath, [NEXT_BIN, 'build'], {
          cwd: NEXT_DIR,
          env: { ...process.env, NEXT_DIST_DIR: '.next-hardening', NEXT_TELEMETRY_DISABLED: '1' },
          stdio: 'pipe',
        });
        // Nest runs from its build (decorator metadata); turbo builds it before the tests (`^build`).
        execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
          cwd: NEST_DIR,
          stdio: 'pipe',
        });
        const [nextPort, nestPort] = [await freePort(), await freePort()];
        [hono, next, nest] = await Promise.all([
          startServer('demo', env),
          startProcess(process.execPath, [NEXT_BIN, 'start', '-H', '127.0.0.1', '-p', String(nextPort)], {
            cwd: NEXT_DIR,
            env: { ...env, NEXT_DIST_DIR: '.next-hardening' },
            ready: /Ready in|started server|Local:/,
          }),
          startProcess(process.execPath, ['dist/main.js'], {
            cwd: NEST_DIR,
            env: { ...env, PORT: String(nestPort), HOST: '127.0.0.1' },
            ready: /listening on/,
          }),
        ]);
        urls.hono = hono.url;
        urls.next = `http://127.0.0.1:${nextPort}`;
        urls.nest = `http://127.0.0.1:${nestPort}`;
      }, 240_000);

      afterAll(async () => {
        await Promise.all([hono?.stop(), stopProcess(next?.child), stopProcess(nest?.child)]);
      });

      it('signs a user in on Next.js and NestJS with a session created through Hono', async () => {
        const login = await fetch(`${urls.hono}/login`, {
          method: 'POST',
          headers: { ...HEADERS, origin: urls.hono, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'username=alice&password=wonderland',
          redirect: 'manual',
        });
        expect(login.status).toBe(303);
        const cookie = sessionCookieOf(login) as string;
        expect(cookie).toMatch(/^[0-9a-f]{64}\.[A-Za-z0-9_-]{43}$/); // signed with the shared secret
        expect(await honoUser(urls.hono, cookie)).toBe('Alice');
        expect(await nextUser(urls.next, cookie)).toBe('alice');
        expect(await nestUser(urls.nest, cookie)).toBe('alice');
      });

      it('signs a user in on Hono and Next.js with a session created through NestJS, and signs out everywhere from Nest', async () => {
        const login = await fetch(`${urls.nest}/auth/sign-in`, {
          method: 'POST',
          headers: { ...HEADERS, 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'bob', password: 'builder' }),
        });
        expect(login.status).toBe(200);
        const cookie = sessionCookieOf(login) as string;
        expect(await honoUser(urls.hono, cookie)).toBe('Bob');
        expect(await nextUser(urls.next, cookie)).toBe('bob');

        const out = await fetch(`${urls.nest}/sessions/sign-out-everywhere`, {
          method: 'POST',
          headers: { ...HEADERS, cookie: `_session=${cookie}` },
        });
        expect(out.status).toBeLessThan(300);
        expect(await honoUser(urls.hono, cookie)).toBeNull();
        expect(await nextUser(urls.next, cookie)).toBeNull();
        expect(await nestUser(urls.nest, cookie)).toBeNull();
      });

      it('signs a user in on Hono and NestJS with a session created by a Next.js server action', async () => {
        const browser = await launchChromium();
        try {
          const context = await browser.newContext({ userAgent: UA });
          await context.setExtraHTTPHeaders({ 'accept-language': LANGUAGE });
          const page = await context.newPage();
          await page.goto(`${urls.next}/login`);
          await page.selectOption('select[name="user"]', 'alice');
          await page.fill('input[name="password"]', 'wonderland');
          await Promise.all([
            page.waitForURL((u) => !u.pathname.startsWith('/login')),
            page.click('button[type="submit"]'),
          ]);
          const cookie = (await context.cookies()).find((c) => c.name === '_session')?.value as string;
          expect(cookie).toBeTruthy();
          expect(await nextUser(urls.next, cookie)).toBe('alice');
          expect(await honoUser(urls.hono, cookie)).toBe('Alice');
          expect(await nestUser(urls.nest, cookie)).toBe('alice');
        } finally {
          await browser.close();
        }
      });
    }),
  { only: ['postgres'] },
);

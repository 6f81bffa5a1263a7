import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readQuickStart } from '@sess/quickstarts';
import { nextLogProblems } from '@sess/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_NEXT_APP,
  filesOf,
  installCommands,
  packSessPackages,
  prepareTemplate,
  REPO_ROOT,
  type RunningServer,
  resetProject,
  run,
  selfHostTemplateFonts,
  sessInstalls,
  setCacheComponents,
  startServer,
  thirdPartyInstalls,
  WORK_ROOT,
  writeFiles,
} from '../src/fresh-project.js';

// The @sess/next README's quick start, pasted into the project that today's create-next-app makes: the published
// tarballs installed with npm, `next build` and `next start` with the template's cacheComponents on, then off.
// Nothing may log a warning, and the pages, actions, route handler and proxy must answer as the README says.

const README = join(REPO_ROOT, 'packages/next/README.md');
const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';

const timings: Record<string, number> = {};
let project: string;

/** Times a step for the summary printed at the end. */
async function timed<T>(name: string, step: () => T | Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await step();
  } finally {
    timings[name] = Date.now() - started;
  }
}

beforeAll(async () => {
  // The README's code blocks marked `title="path"` (files) and `sh run` (its npm installs), read the way
  // tests/quickstarts reads every other quick start.
  const quickStart = readQuickStart(README);
  const installs = installCommands(quickStart);
  const files = filesOf(quickStart);
  const tarballs = await timed('pack @sess/core and @sess/next', () =>
    packSessPackages(join(WORK_ROOT, 'tarballs')),
  );
  const started = Date.now();
  const template = await prepareTemplate(thirdPartyInstalls(installs));
  timings[
    `${CREATE_NEXT_APP} + npm install (${template.made ? 'made this run' : 'kept from an earlier run'})`
  ] = Date.now() - started;
  project = await timed('reset the project to the template', () => resetProject(template.dir));
  await timed('npm install the tarballs (README commands)', async () => {
    for (const command of sessInstalls(installs, tarballs)) await run(command, project);
  });
  selfHostTemplateFonts(project);
  writeFiles(project, files);
  expect(files.map((f) => f.path)).toEqual(
    expect.arrayContaining([
      'lib/db.ts',
      'lib/session.ts',
      'app/page.tsx',
      'app/actions.ts',
      'app/api/me/route.ts',
      'proxy.ts',
    ]),
  );
});

afterAll(() => {
  const total = Object.values(timings).reduce((a, b) => a + b, 0);
  console.log(
    `[next-fresh] timings:\n${Object.entries(timings)
      .map(([name, ms]) => `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${name}`)
      .join('\n')}\n  ${(total / 1000).toFixed(1).padStart(6)} s  total`,
  );
});

/** A browser's request: its User-Agent (the session fingerprint rests on it) and the cookie, no redirects followed. */
function request(server: RunningServer, path: string, init: { cookie?: string; body?: FormData } = {}) {
  const headers: Record<string, string> = { 'user-agent': UA, 'accept-language': 'en-GB,en;q=0.9' };
  if (init.cookie) headers.cookie = `_session=${init.cookie}`;
  if (init.body) headers.origin = server.url;
  return fetch(`${server.url}${path}`, {
    method: init.body ? 'POST' : 'GET',
    headers,
    redirect: 'manual',
    ...(init.body ? { body: init.body } : {}),
  });
}

/** The `_session` cookies a response sets; the test fails when it sets the cookie twice. */
function sessionCookies(response: Response): string[] {
  const lines = response.headers.getSetCookie().filter((line) => line.startsWith('_session='));
  expect(lines.length, lines.join(' | ')).toBeLessThanOrEqual(1);
  return lines;
}

/** The server actions of the forms on a page, in document order (what a browser without JavaScript posts). */
function actionIds(html: string): string[] {
  return [...html.matchAll(/name="\$ACTION_ID_([0-9a-f]+)"/g)].map((m) => m[1] as string);
}

/** Submits a form's server action the way a browser does without JavaScript. */
function submit(server: RunningServer, actionId: string, fields: Record<string, string>, cookie?: string) {
  const body = new FormData();
  body.set(`$ACTION_ID_${actionId}`, '');
  for (const [name, value] of Object.entries(fields)) body.set(name, value);
  return request(server, '/', { body, ...(cookie ? { cookie } : {}) });
}

it("passes the template's own lint (npm run lint)", async () => {
  await timed('npm run lint', () => run('npm run lint', project));
});

for (const cacheComponents of [true, false]) {
  describe(`the README quick start in a fresh create-next-app project, cacheComponents ${cacheComponents ? 'on (the template default)' : 'off'}`, () => {
    let buildLog: string;
    let filesAfterBuild: string[];
    let server: RunningServer;

    beforeAll(async () => {
      setCacheComponents(project, cacheComponents);
      await run('rm -rf .next sessions.sqlite', project);
      buildLog = (
        await timed(`next build (cacheComponents ${cacheComponents})`, () => run('npx next build', project))
      ).output;
      filesAfterBuild = readdirSync(project);
      console.log(`[next-fresh] next build, cacheComponents ${cacheComponents}:\n${buildLog}`);
      server = await timed(`next start (cacheComponents ${cacheComponents})`, () => startServer(project));
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('builds without a warning, and without opening the database', () => {
      expect(nextLogProblems(buildLog)).toEqual([]);
      expect(buildLog).toMatch(cacheComponents ? /◐ \/\n/ : /ƒ \/\n/);
      expect(filesAfterBuild.filter((f) => f.endsWith('.sqlite'))).toEqual([]);
    });

    it('signs in through the server action, shows the user, counts a visit, and signs out', async () => {
      const signedOut = await request(server, '/');
      expect(signedOut.status).toBe(200);
      const [signIn, ...others] = actionIds(await signedOut.text());
      expect(others).toEqual([]);

      const afterSignIn = await submit(server, signIn as string, { user: 'alice' });
      expect(afterSignIn.status).toBe(303);
      const [cookieLine] = sessionCookies(afterSignIn);
      const cookie = /^_session=([0-9a-f]{64});/.exec(cookieLine ?? '')?.[1] as string;
      expect(cookie, cookieLine).toBeTruthy();

      const home = await request(server, '/', { cookie });
      const html = await home.text();
      expect(html).toContain('alice');
      expect(sessionCookies(home)).toEqual([]);
      const [countVisit, signOut] = actionIds(html);

      expect((await submit(server, countVisit as string, {}, cookie)).status).toBe(303);
      const me = await request(server, '/api/me', { cookie });
      expect(await me.json()).toEqual({ userId: 'alice', visits: 1 });

      const afterSignOut = await submit(server, signOut as string, {}, cookie);
      expect(afterSignOut.status).toBe(303);
      expect(sessionCookies(afterSignOut)).toEqual([expect.stringMatching(/^_session=;.*Max-Age=0/)]);
      expect((await request(server, '/api/me', { cookie })).status).toBe(401);
    });

    it('answers the route handler with 401 signed out, and the proxy guard redirects /account', async () => {
      expect((await request(server, '/api/me')).status).toBe(401);
      const account = await request(server, '/account');
      expect(account.status).toBe(307);
      expect(account.headers.get('location')).toBe('/');
    });

    it('clears a dead cookie once on a page and on the route handler', async () => {
      const dead = 'd'.repeat(64);
      for (const path of ['/', '/api/me']) {
        const response = await request(server, path, { cookie: dead });
        await response.text();
        expect(sessionCookies(response), path).toEqual([expect.stringMatching(/^_session=;/)]);
      }
    });

    it('logs no warning while serving', async () => {
      await new Promise((resolve) => setTimeout(resolve, 300)); // let the last request's output arrive
      expect(nextLogProblems(server.output())).toEqual([]);
      expect(existsSync(join(project, 'sessions.sqlite'))).toBe(true); // the first request made it
    });
  });
}

import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { type LaunchedChromium, launchChromium, skipBrowserTests } from '@sess/chromium';
import { SessionStore } from '@sess/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORMS, startDemo } from './support.js';

const skip = skipBrowserTests();

/**
 * The attacker's site: `GET /?target=URL&field=value…` serves a page that posts a form of those fields to URL as soon
 * as it loads, as a page of another site would.
 */
async function startAttackerSite(): Promise<{ port: number; close(): Promise<void> }> {
  const html = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const server: Server = createServer((request, response) => {
    const params = new URL(request.url ?? '/', 'http://attacker').searchParams;
    const target = params.get('target') ?? '';
    const inputs = [...params]
      .filter(([name]) => name !== 'target')
      .map(([name, value]) => `<input name="${html(name)}" value="${html(value)}">`)
      .join('');
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(
      `<!doctype html><title>Win a prize</title><form method="post" action="${html(target)}">${inputs}</form>` +
        '<script>document.forms[0].submit()</script>',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe.skipIf(skip)('the Nest demo against forged requests in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sess-nest-browser-'));
  let chromium: LaunchedChromium;
  let attacker: Awaited<ReturnType<typeof startAttackerSite>>;

  beforeAll(async () => {
    [chromium, attacker] = await Promise.all([launchChromium(), startAttackerSite()]);
  });
  afterAll(async () => {
    await chromium?.close();
    await attacker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe.each(PLATFORMS)('on %s', (platform) => {
    let app: INestApplication;
    let url: string;
    let store: SessionStore;

    beforeAll(async () => {
      // Served on http://127.0.0.1:PORT with cookies that are not Secure, as `pnpm start` serves it on loopback.
      ({ app, url } = await startDemo(platform, {
        databaseUrl: `sqlite:${join(dir, `${platform}.sqlite`)}`,
        secureCookies: false,
      }));
      store = app.get(SessionStore);
    });
    afterAll(async () => {
      await app?.close();
    });

    // The attacker's page is only loaded as far as its response (`commit`): its form then navigates away, and a
    // 204 from the old, unprotected app would leave it loading forever.
    /** The attacker's page on `host` (`localhost`: another site; `127.0.0.1`: the same site, another origin). */
    const attackPage = (host: string, target: string, fields: Record<string, string> = {}) =>
      `http://${host}:${attacker.port}/?${new URLSearchParams({ target: `${url}${target}`, ...fields })}`;

    it('a page of another site that posts a sign-in form does not sign the browser in (login CSRF)', async () => {
      const context = await chromium.newContext();
      try {
        const page = await context.newPage();
        const [response] = await Promise.all([
          page.waitForResponse(`${url}/auth/sign-in`),
          page.goto(attackPage('localhost', '/auth/sign-in', { username: 'bob', password: 'builder' }), {
            waitUntil: 'commit',
          }),
        ]);
        expect(response.status()).toBe(403);
        await page.waitForURL(`${url}/auth/sign-in`); // the refusal is shown: the form's navigation is over
        expect(await context.cookies(url)).toEqual([]);
        expect(await store.listForUser('bob')).toEqual([]);
        const me = await page.goto(`${url}/me`);
        expect(me?.status()).toBe(401);
      } finally {
        await context.close();
      }
    });

    it('a page of the same site cannot sign the user out everywhere, while the app’s own requests work', async () => {
      const context = await chromium.newContext();
      try {
        const page = await context.newPage();
        // The app's own page signs in with a same-origin fetch of JSON: the rule lets it through.
        await page.goto(`${url}/health`);
        const status = await page.evaluate(async () => {
          const reply = await fetch('/auth/sign-in', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: 'alice', password: 'wonderland' }),
          });
          return reply.status;
        });
        expect(status).toBe(200);
        const [signedIn] = await store.listForUser('alice');
        expect(signedIn).toBeDefined();

        // 127.0.0.1 on another port is the same site: the SameSite=Lax cookie goes along with the form.
        const [response] = await Promise.all([
          page.waitForResponse(`${url}/sessions/sign-out-everywhere`),
          page.goto(attackPage('127.0.0.1', '/sessions/sign-out-everywhere'), { waitUntil: 'commit' }),
        ]);
        expect(response.status()).toBe(403);
        await page.waitForURL(`${url}/sessions/sign-out-everywhere`);
        expect((await store.listForUser('alice')).map((s) => s.id)).toEqual([signedIn?.id]);
        const me = await page.goto(`${url}/me`);
        expect(me?.status()).toBe(200);
      } finally {
        await context.close();
      }
    });
  });
});

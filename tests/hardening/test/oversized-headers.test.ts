// Part 4 of issue 8, on a real socket: what a client that writes raw HTTP gets for oversized and malformed headers.
// The demo app runs on @hono/node-server (Node's HTTP parser, default 16 KiB header limit) over SQLite.
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { serve } from '@hono/node-server';
import { migrateToLatest } from '@sess/core';
import { countingDialect, QueryCounter } from '@sess/core/testing';
import { CHROME_MAC } from '@sess/test-kit';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHardeningApp } from './support/hardening-app.js';

/** A raw answer: the status code, the header block and the body. */
interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/** Writes `request` (bytes as given) to the server and reads the answer until the server closes. */
function rawRequest(port: number, request: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        head,
        body: text.slice(split + 4),
      });
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    // Written, not ended: the server answers and then closes (Connection: close); a half-close could abort a POST.
    socket.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
  });
}

/** A GET with the given extra header lines, closing the connection after the answer. */
function get(path: string, lines: string[]): string {
  return [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    `User-Agent: ${CHROME_MAC}`,
    ...lines,
    'Connection: close',
    '',
    '',
  ].join('\r\n');
}

describe('oversized and malformed headers on a real socket', () => {
  const counter = new QueryCounter();
  const db = new Kysely<any>({
    dialect: countingDialect(new SqliteDialect({ database: new Database(':memory:') }), counter),
  });
  const table = 'hard_oversized';
  let server: ReturnType<typeof serve>;
  let port: number;
  let victim: string;

  beforeAll(async () => {
    await migrateToLatest(db, { tableName: table });
    const { app } = createHardeningApp({ db, session: { tableName: table }, cookie: { secure: false } });
    port = await new Promise<number>((resolve) => {
      server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) =>
        resolve(info.port),
      );
    });
    // Signed in by a raw request too: the session's fingerprint covers exactly the headers that `get()` sends.
    const body = 'user=victim';
    const signIn = await rawRequest(
      port,
      [
        'POST /hardening/sign-in HTTP/1.1',
        'Host: 127.0.0.1',
        `User-Agent: ${CHROME_MAC}`,
        'Origin: http://127.0.0.1', // the origin of `Host: 127.0.0.1`, as csrf() compares them
        'Content-Type: application/x-www-form-urlencoded',
        `Content-Length: ${body.length}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
    expect(signIn.status).toBe(200);
    victim = /^set-cookie: _session=([0-9a-f]{64});/im.exec(signIn.head)?.[1] as string;
    expect(victim).toHaveLength(64);
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await db.destroy();
  });

  it('answers 431 to headers over 16 KiB (the Node.js limit) before the app or the database sees the request', async () => {
    counter.reset();
    const padding = 'a'.repeat(17 * 1024);
    const bigCookie = await rawRequest(
      port,
      get('/hardening/whoami', [`Cookie: _session=${victim}; pad=${padding}`]),
    );
    expect(bigCookie.status).toBe(431);
    const bigForwarded = await rawRequest(port, get('/', [`X-Forwarded-For: ${'1.2.3.4, '.repeat(2000)}`]));
    expect(bigForwarded.status).toBe(431);
    expect(bigCookie.head).not.toMatch(/set-cookie/i);
    expect(counter.queries).toBe(0);
  });

  it('finds a valid session cookie among 15 KiB of other cookies', async () => {
    const others = Array.from({ length: 320 }, (_, i) => `c${i}=${'x'.repeat(40)}`).join('; ');
    expect(others.length).toBeGreaterThan(14.5 * 1024);
    const res = await rawRequest(port, get('/hardening/whoami', [`Cookie: ${others}; _session=${victim}`]));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ user: 'victim' });
  });

  it('treats a session cookie value over 256 characters as anonymous and clears it, with no query', async () => {
    counter.reset();
    const res = await rawRequest(port, get('/hardening/whoami', [`Cookie: _session=${victim.repeat(150)}`]));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ user: null });
    expect(res.head).toMatch(/^set-cookie: _session=; Path=\/; Max-Age=0;/im);
    expect(counter.queries).toBe(0);
  });

  it('answers 400 to control characters in a header value, before the app sees the request', async () => {
    counter.reset();
    for (const bad of ['\u0000', '\u0001', '\u001b', '\u007f']) {
      const res = await rawRequest(port, get('/hardening/whoami', [`Cookie: _session=${victim}${bad}`]));
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect(counter.queries).toBe(0);
  });

  it('answers bytes 0x80-0xFF in the cookie and user agent as an anonymous request, not an error', async () => {
    const latin1 = Buffer.from(
      get('/hardening/whoami', ['Cookie: _session=\u00e9\u00ff\u0080', 'Accept-Language: \u00fc']),
      'latin1',
    );
    const res = await rawRequest(port, latin1);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ user: null });
    // The same bytes as UTF-8 (what most clients send for non-ASCII).
    const utf8 = Buffer.from(
      get('/hardening/whoami', ['Cookie: _session=élan; ü=😀', 'User-Agent: 😀']),
      'utf8',
    );
    const res2 = await rawRequest(port, utf8);
    expect(res2.status).toBe(200);
    expect(JSON.parse(res2.body)).toEqual({ user: null });
  });
});

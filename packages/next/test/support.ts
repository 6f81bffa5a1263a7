import { migrateToLatest, type SessionOptions, SessionStore } from '@sess/core';
import {
  countingDialect,
  FakeClock,
  Fault,
  failingDialect,
  type ParsedSetCookie,
  QueryCounter,
} from '@sess/core/testing';
import { CookieJar } from '@sess/test-kit';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { NextRequest } from 'next/server.js';
import { expect } from 'vitest';
import { createSessionHandlers } from '../src/index.js';

/** A store on a fresh in-memory SQLite database, with a query counter, a switchable fault and a fake clock. */
export interface TestStore {
  store: SessionStore;
  db: Kysely<any>;
  counter: QueryCounter;
  fault: Fault;
  clock: FakeClock;
  close(): Promise<void>;
}

/** The fingerprint headers of a Next.js app. */
export const NEXT_FINGERPRINT = ['user-agent', 'accept-language'];

/** Opens a {@link TestStore}; `tableName` must differ per test file (vitest runs files in parallel). */
export async function openStore(tableName: string, config: SessionOptions = {}): Promise<TestStore> {
  const counter = new QueryCounter();
  const fault = new Fault();
  const clock = new FakeClock();
  const sqlite = new SqliteDialect({ database: new Database(':memory:') });
  const db = new Kysely<any>({ dialect: countingDialect(failingDialect(sqlite, fault), counter) });
  await migrateToLatest(db, { tableName });
  // Secure cookies are the default; tests speak plain http to no server, so nothing depends on it.
  // A Next.js store leaves Accept-Encoding out of the fingerprint (createSessionHandlers insists).
  const store = new SessionStore(db, {
    tableName,
    now: clock.now,
    fingerprintHeaders: NEXT_FINGERPRINT,
    ...config,
  });
  counter.reset();
  return { store, db, counter, fault, clock, close: () => db.destroy() };
}

/** Request headers of one browser; the fingerprint is computed from them. */
export const BROWSER_HEADERS = {
  'user-agent':
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36',
  'accept-language': 'en-GB,en;q=0.9',
  'accept-encoding': 'gzip, deflate, br',
};

/** A cookie jar that makes `NextRequest`s carrying its cookies and takes the cookies that responses set. */
export class Jar {
  readonly cookies = new CookieJar();
  readonly headers: Record<string, string>;

  constructor(headers: Record<string, string> = BROWSER_HEADERS) {
    this.headers = { ...headers };
  }

  request(path: string, init: { method?: string; headers?: Record<string, string> } = {}): NextRequest {
    const headers = new Headers({ ...this.headers, ...init.headers });
    const cookie = this.cookies.header();
    if (cookie) headers.set('cookie', cookie);
    return new NextRequest(new URL(path, 'http://localhost:3000'), { method: init.method ?? 'GET', headers });
  }

  /** Applies the response's cookies like a browser (Max-Age 0 deletes); returns them parsed. */
  receive(response: Response): ParsedSetCookie[] {
    return this.cookies.receive(response.headers);
  }

  /** Applies cookies set through `cookies()` (a request scope's), like {@link receive}. */
  receiveCookies(cookies: ParsedSetCookie[]): ParsedSetCookie[] {
    return this.cookies.receive(cookies);
  }
}

/** A new session cookie with sess's defaults: `_session`, 64 hex characters, HttpOnly, Secure, Lax, 30 days. */
export function expectNewSessionCookie(cookie: ParsedSetCookie | undefined): void {
  expect(cookie).toMatchObject({
    name: '_session',
    path: '/',
    httpOnly: true,
    secure: true,
    sameSite: 'lax',
  });
  expect(cookie?.value).toMatch(/^[0-9a-f]{64}$/);
  expect(cookie?.maxAge).toBe(30 * 24 * 3600);
}

/** A route context with no params, as Next passes to a static route. */
export const noParams = { params: Promise.resolve({}) };

/** A browser signed in as alice (with `data`) through a route handler. */
export async function signedInJar(store: SessionStore, data?: Record<string, unknown>): Promise<Jar> {
  const { withSession } = createSessionHandlers({ store });
  const jar = new Jar();
  const login = withSession(async (_request, { session }) => {
    await session.authenticate('alice', data);
    return new Response(null, { status: 204 });
  });
  jar.receive(await login(jar.request('/login', { method: 'POST' }), noParams));
  return jar;
}

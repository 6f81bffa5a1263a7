import { parseSetCookies } from '@sess/core/testing';
import type { Hono } from 'hono';
import { type Kysely, sql } from 'kysely';

/** A Chrome-on-macOS User-Agent. */
export const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
/** A Firefox-on-Windows User-Agent. */
export const FIREFOX_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

/**
 * A browser over `app.request()`: a cookie jar, a fixed User-Agent, same-origin `Origin` on POSTs (as a browser
 * sends for a form on the page), and `@hono/node-server`'s env shape so the session middleware finds a socket address.
 */
export class TestClient {
  readonly jar = new Map<string, string>();
  constructor(
    readonly app: Pick<Hono<any>, 'request'>,
    readonly options: { userAgent?: string; ip?: string } = {},
  ) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has('user-agent')) headers.set('user-agent', this.options.userAgent ?? CHROME_MAC);
    if (this.jar.size > 0) headers.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const env = { incoming: { socket: { remoteAddress: this.options.ip ?? '127.0.0.1' } } };
    const res = await this.app.request(path, { ...init, headers }, env);
    for (const c of parseSetCookies(res.headers)) {
      if ((c.maxAge ?? 1) <= 0) this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
    return res;
  }

  /** Submits a form the way a browser does from a page of the app. */
  submit(path: string, fields: Record<string, string> = {}, origin = 'http://localhost'): Promise<Response> {
    return this.request(path, { method: 'POST', body: new URLSearchParams(fields), headers: { origin } });
  }

  /** Follows a redirect response with a GET, like a browser after a 303. */
  async follow(res: Response): Promise<Response> {
    const location = res.headers.get('location');
    if (!location) throw new Error(`expected a redirect, got ${res.status}`);
    return this.request(location);
  }

  async signIn(username: string, password: string): Promise<Response> {
    return this.submit('/login', { username, password });
  }
}

/** Drops a session table and its migration bookkeeping. */
export async function dropSessionTables(db: Kysely<any>, table: string): Promise<void> {
  for (const name of [table, `${table}_migrations`, `${table}_migrations_lock`]) {
    await sql`drop table if exists ${sql.table(name)}`.execute(db);
  }
}

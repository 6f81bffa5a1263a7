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
 * A browser-like client over `app.request()`: keeps a cookie jar (Max-Age 0 deletes), sends a fixed User-Agent
 * and passes `@hono/node-server`'s env shape (`incoming.socket.remoteAddress`) so the middleware's default
 * `getConnInfo` finds a socket address.
 */
export class TestClient {
  readonly jar = new Map<string, string>();
  constructor(
    readonly app: Pick<Hono<any>, 'request'>,
    readonly options: { userAgent?: string; ip?: string; headers?: Record<string, string> } = {},
  ) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(this.options.headers);
    for (const [k, v] of new Headers(init.headers)) headers.set(k, v);
    if (!headers.has('user-agent')) headers.set('user-agent', this.options.userAgent ?? CHROME_MAC);
    if (!headers.has('cookie') && this.jar.size > 0) {
      headers.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const env = { incoming: { socket: { remoteAddress: this.options.ip ?? '127.0.0.1' } } };
    const res = await this.app.request(path, { ...init, headers }, env);
    for (const c of parseSetCookies(res.headers)) {
      if ((c.maxAge ?? 1) <= 0) this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
    return res;
  }

  post(path: string, init: RequestInit = {}): Promise<Response> {
    return this.request(path, { ...init, method: 'POST' });
  }
}

/** Drops a session table and its migration bookkeeping. */
export async function dropSessionTables(db: Kysely<any>, table: string): Promise<void> {
  for (const name of [table, `${table}_migrations`, `${table}_migrations_lock`]) {
    await sql`drop table if exists ${sql.table(name)}`.execute(db);
  }
}

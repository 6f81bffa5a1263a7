import type { ParsedSetCookie } from '@sess/core/testing';
import { CookieJar } from './cookie-jar.js';
import { CHROME_MAC } from './user-agents.js';

/** A Chrome-on-Linux User-Agent (device name "Chrome on Linux"), the default of {@link JsonClient}. */
export const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36';

/** What every {@link FetchClient} reply carries: the status, the headers and the parsed `Set-Cookie` headers. */
export interface FetchReply {
  status: number;
  headers: Headers;
  cookies: ParsedSetCookie[];
}

/**
 * A browser over real HTTP (`fetch`): a cookie jar that applies `Set-Cookie` (Max-Age 0 deletes), a fixed
 * User-Agent, no redirect following (a test looks at the 303 itself). `baseUrl` may change between requests: the
 * cookies go along, as a browser sends them to every port of a host.
 */
export class FetchClient {
  readonly jar = new CookieJar();

  constructor(
    public baseUrl: string,
    readonly userAgent: string = CHROME_MAC,
  ) {}

  /** Sends a request with this client's User-Agent and cookies (unless `init` has a `cookie` header). */
  protected async send(path: string, init: RequestInit = {}): Promise<FetchReply & { text: string }> {
    const headers = new Headers(init.headers);
    headers.set('user-agent', this.userAgent);
    const cookie = this.jar.header();
    if (cookie && !headers.has('cookie')) headers.set('cookie', cookie);
    const response = await fetch(`${this.baseUrl}${path}`, { ...init, headers, redirect: 'manual' });
    const cookies = this.jar.receive(response.headers);
    return { status: response.status, headers: response.headers, cookies, text: await response.text() };
  }
}

/** A reply of a {@link PageClient}: the body as text, and where a redirect points. */
export interface PageReply extends FetchReply {
  body: string;
  location: string | null;
}

/** A {@link FetchClient} for server-rendered pages: GETs, and form POSTs from a page of the app. */
export class PageClient extends FetchClient {
  /** Sends any request; resolves the reply with its body text. */
  async request(path: string, init: RequestInit = {}): Promise<PageReply> {
    const { text, ...reply } = await this.send(path, init);
    return { ...reply, body: text, location: reply.headers.get('location') };
  }

  /** A GET of `path`. */
  get(path: string): Promise<PageReply> {
    return this.request(path);
  }

  /** Posts a form from a page of the app (with a same-origin `Origin`, as browsers send and csrf checks demand). */
  post(path: string, fields: Record<string, string> = {}): Promise<PageReply> {
    return this.request(path, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { origin: new URL(this.baseUrl).origin },
    });
  }
}

/** A reply of a {@link JsonClient}: the body as JSON, else its text; `undefined` when empty. */
export interface JsonReply extends FetchReply {
  body: any;
}

/** A {@link FetchClient} for a JSON API: JSON request bodies, JSON replies. */
export class JsonClient extends FetchClient {
  constructor(baseUrl: string, userAgent: string = CHROME_LINUX) {
    super(baseUrl, userAgent);
  }

  /** Sends `method path`, with `body` as JSON when given. */
  async request(method: string, path: string, body?: unknown): Promise<JsonReply> {
    const { text, ...reply } = await this.send(path, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    let parsed: unknown = text || undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { ...reply, body: parsed };
  }

  /** A GET of `path`. */
  get(path: string): Promise<JsonReply> {
    return this.request('GET', path);
  }

  /** A POST of `path` with a JSON body (`{}` when none is given). */
  post(path: string, body?: unknown): Promise<JsonReply> {
    return this.request('POST', path, body ?? {});
  }

  /** A DELETE of `path`. */
  delete(path: string): Promise<JsonReply> {
    return this.request('DELETE', path);
  }
}

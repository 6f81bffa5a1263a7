import { serializeCookie } from '../cookies.js';
import { mergeVary } from '../http-policy.js';
import type { CookieAttributes, SessionPort } from '../session-port.js';

/** A cookie as a response set it. */
export interface SetCookie {
  name: string;
  value: string;
  attributes: CookieAttributes;
}

/** What a {@link MemoryPort} request carries. */
export interface MemoryRequest {
  cookies?: Record<string, string> | undefined;
  headers?: Record<string, string> | undefined;
  remoteAddress?: string | undefined;
}

/**
 * An in-memory {@link SessionPort}: one request's cookies, headers and socket address in, the response's cookies
 * and headers recorded. Drive a `SessionManager` with it in unit tests, no server needed.
 *
 * @example
 * ```ts
 * const port = new MemoryPort({ headers: { 'user-agent': 'test' }, remoteAddress: '127.0.0.1' })
 * const manager = await SessionManager.load(store, port)
 * await manager.authenticate('alice')
 * await manager.commit()
 * port.cookies[0]?.value // the new cookie
 * ```
 */
export class MemoryPort implements SessionPort {
  readonly requestCookies: Record<string, string>;
  readonly requestHeaders: Record<string, string>;
  readonly address: string | undefined;
  /** Cookies set on the response, in order. */
  readonly cookies: SetCookie[] = [];
  /** Response headers set through the port (Vary values are merged). */
  readonly headers: Record<string, string> = {};

  constructor(request: MemoryRequest = {}) {
    this.requestCookies = { ...request.cookies };
    this.requestHeaders = Object.fromEntries(
      Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    this.address = request.remoteAddress;
  }

  getCookie(name: string): string | undefined {
    return this.requestCookies[name];
  }

  getHeader(name: string): string | undefined {
    return this.requestHeaders[name.toLowerCase()];
  }

  remoteAddress(): string | undefined {
    return this.address;
  }

  setCookie(name: string, value: string, attributes: CookieAttributes): void {
    this.cookies.push({ name, value, attributes });
  }

  setHeader(name: string, value: string): void {
    this.headers[name] = name === 'Vary' ? mergeVary(this.headers[name], value) : value;
  }

  /** The response's cookies as `Set-Cookie` header values. */
  setCookieHeaders(): string[] {
    return this.cookies.map((c) => serializeCookie(c.name, c.value, c.attributes));
  }
}

/**
 * A cookie jar across requests, like a browser: `next()` makes a port carrying the jar's cookies, and
 * `receive(port)` applies the cookies that response set (Max-Age 0 deletes).
 */
export class MemoryBrowser {
  readonly jar = new Map<string, string>();
  readonly headers: Record<string, string>;
  readonly remoteAddress: string | undefined;

  constructor(options: { headers?: Record<string, string>; remoteAddress?: string } = {}) {
    this.headers = { 'user-agent': 'Mozilla/5.0 (sess MemoryBrowser)', ...options.headers };
    this.remoteAddress = options.remoteAddress ?? '127.0.0.1';
  }

  /** A port for the next request of this browser. */
  next(overrides: MemoryRequest = {}): MemoryPort {
    return new MemoryPort({
      cookies: { ...Object.fromEntries(this.jar), ...overrides.cookies },
      headers: { ...this.headers, ...overrides.headers },
      remoteAddress: overrides.remoteAddress ?? this.remoteAddress,
    });
  }

  /** Stores the cookies a response set. */
  receive(port: MemoryPort): void {
    for (const c of port.cookies) {
      if (c.attributes.maxAge !== undefined && c.attributes.maxAge <= 0) this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
  }
}

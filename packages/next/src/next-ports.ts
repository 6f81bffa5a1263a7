import { type CookieAttributes, getCookieFromHeader, type SessionPort, serializeCookie } from '@sess/core';

/** A cookie the manager set, kept until it can go onto a response. */
interface RecordedCookie {
  name: string;
  value: string;
  attributes: CookieAttributes;
}

/** Where the port reads the request from. */
interface RequestSource {
  cookie(name: string): string | undefined;
  header(name: string): string | undefined;
}

/** The subset of Next's `cookies()` / `NextResponse.cookies` that a port writes through. */
export interface WritableCookieStore {
  set(name: string, value: string, options: CookieStoreOptions): unknown;
}

/** The cookie options Next's cookie stores take. */
interface CookieStoreOptions {
  path: string;
  domain?: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: 'lax' | 'strict' | 'none';
  maxAge: number;
  expires: Date;
}

/**
 * A {@link SessionPort} over one Next.js request that records what the manager writes (cookies, `Cache-Control`,
 * `Vary`), so the adapter can put it onto whatever ends the request: the handler's `Response`, Next's `cookies()`
 * store (server actions, and route handlers that end by `redirect()`), or the proxy's `NextResponse`.
 *
 * Next.js gives route handlers, server actions and server components no socket address, so `remoteAddress()` is
 * `undefined`: the core then takes the client IP from the forwarding headers only when `trustedProxies` is set,
 * and answers `"unknown"` otherwise.
 */
export class NextPort implements SessionPort {
  readonly #source: RequestSource;
  readonly cookies: RecordedCookie[] = [];
  readonly headers = new Map<'Cache-Control' | 'Vary', string>();

  constructor(source: RequestSource) {
    this.#source = source;
  }

  getCookie(name: string): string | undefined {
    return this.#source.cookie(name);
  }

  getHeader(name: string): string | undefined {
    return this.#source.header(name);
  }

  remoteAddress(): string | undefined {
    return undefined;
  }

  setCookie(name: string, value: string, attributes: CookieAttributes): void {
    this.cookies.push({ name, value, attributes });
  }

  setHeader(name: 'Cache-Control' | 'Vary', value: string): void {
    this.headers.set(name, name === 'Vary' ? mergeVary(this.headers.get(name), value) : value);
  }

  /** A port that reads a web `Request` (route handlers and the proxy get one). */
  static fromRequest(request: Request): NextPort {
    const headers = request.headers;
    return new NextPort({
      cookie: (name) => getCookieFromHeader(headers.get('cookie'), name),
      header: (name) => headers.get(name) ?? undefined,
    });
  }

  /** A port that reads what `cookies()` and `headers()` from `next/headers` resolved to. */
  static fromNextHeaders(
    cookies: { get(name: string): { value: string } | undefined },
    headers: { get(name: string): string | null },
  ): NextPort {
    return new NextPort({
      cookie: (name) => cookies.get(name)?.value,
      header: (name) => headers.get(name) ?? undefined,
    });
  }

  /** Puts the recorded cookies and headers onto a `Response`; copies it first when its headers are immutable. */
  applyToResponse(response: Response): Response {
    if (this.cookies.length === 0 && this.headers.size === 0) return response;
    let target = response;
    try {
      this.#write(target.headers);
    } catch {
      // Response.redirect() and fetch() responses have immutable headers: answer with a copy.
      target = new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers: new Headers(response.headers),
      });
      this.#write(target.headers);
    }
    return target;
  }

  /** Sets the recorded cookies through a Next cookie store (`await cookies()`, or `NextResponse.cookies`). */
  applyToCookieStore(store: WritableCookieStore): void {
    for (const { name, value, attributes } of this.cookies)
      store.set(name, value, cookieStoreOptions(attributes));
  }

  /** Sets the recorded headers on a `Headers` (a `NextResponse`'s, in the proxy). */
  applyHeaders(headers: Headers): void {
    for (const [name, value] of this.headers) {
      headers.set(name, name === 'Vary' ? mergeVary(headers.get(name) ?? undefined, value) : value);
    }
  }

  #write(headers: Headers): void {
    for (const { name, value, attributes } of this.cookies) {
      headers.append('Set-Cookie', serializeCookie(name, value, attributes));
    }
    this.applyHeaders(headers);
  }
}

/** The options Next's cookie stores take, from the attributes the core computed. */
function cookieStoreOptions(attributes: CookieAttributes): CookieStoreOptions {
  const options: CookieStoreOptions = {
    path: attributes.path,
    secure: attributes.secure,
    httpOnly: attributes.httpOnly,
    sameSite: attributes.sameSite,
    maxAge: attributes.maxAge,
    expires: attributes.expires,
  };
  if (attributes.domain !== undefined) options.domain = attributes.domain;
  return options;
}

/** Adds `value` to a `Vary` header value unless it is already there (or the header is `*`). */
function mergeVary(existing: string | undefined, value: string): string {
  if (!existing) return value;
  const values = existing.split(',').map((v) => v.trim());
  if (values.includes('*') || values.some((v) => v.toLowerCase() === value.toLowerCase())) return existing;
  return `${existing}, ${value}`;
}

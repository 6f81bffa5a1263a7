import {
  type CookieAttributes,
  getCookieFromHeader,
  mergeVary,
  type SessionPort,
  serializeCookie,
} from '@sess/core/adapter';

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

/** The subset of Next's `cookies()` store that a port writes through. */
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
  /** Absent (with `expires`): a browser-session cookie. */
  maxAge?: number;
  expires?: Date;
}

/**
 * A {@link SessionPort} over one Next.js request that records what the manager writes (cookies, `Cache-Control`,
 * `Vary`), so the adapter can put it onto whatever ends the request: the handler's `Response`, Next's `cookies()`
 * store (server actions, and route handlers that end by `redirect()`), or the proxy's `NextResponse`. Each cookie
 * goes out once per response: the core records at most one per name, and the port never repeats a line `proxy.ts`
 * already sent.
 *
 * Next.js gives route handlers, server actions and server components no socket address, so `remoteAddress()` is
 * `undefined`: the core then takes the client IP from the forwarding headers only when `trustedProxies` is set,
 * and answers `"unknown"` otherwise.
 */
export class NextPort implements SessionPort {
  readonly #source: RequestSource;
  /** `Set-Cookie` lines already on the response (set by `proxy.ts`), which the port does not send again. */
  readonly #alreadySent: ReadonlySet<string>;
  readonly cookies: RecordedCookie[] = [];
  readonly headers = new Map<'Cache-Control' | 'Vary', string>();

  constructor(source: RequestSource, alreadySent: readonly string[] = []) {
    this.#source = source;
    this.#alreadySent = new Set(alreadySent);
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

  /**
   * A port that reads a web `Request` (route handlers and the proxy get one). It reads the request's headers at
   * once: while Next.js prerenders a GET route handler (`next build` with `cacheComponents`), that read is where the
   * prerender stops, so nothing after it (the store factory, the database, the store's clock) runs at build time.
   *
   * When `proxy.ts` already set cookies on this request's response, Next.js passes its `Set-Cookie` lines on to the
   * route handler as request headers: the port reads the request's cookies as they will be after those (a cookie the
   * proxy cleared is gone), the way Next's own `cookies()` does, and puts no line on the response that the proxy
   * already put there.
   */
  static fromRequest(request: Request): NextPort {
    const headers = request.headers;
    const fromProxy = headers.getSetCookie();
    const cookieHeader = withCookiesSet(headers.get('cookie') ?? undefined, fromProxy);
    return new NextPort(
      {
        cookie: (name) => getCookieFromHeader(cookieHeader, name),
        header: (name) => (name.toLowerCase() === 'cookie' ? cookieHeader : (headers.get(name) ?? undefined)),
      },
      fromProxy,
    );
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

  /**
   * Sets the recorded cookies through Next's cookie store (`await cookies()`): in a server action, and in a route
   * handler that ends with `redirect()`.
   */
  applyToCookieStore(store: WritableCookieStore): void {
    for (const { name, value, attributes } of this.cookies) {
      if (this.#alreadySent.has(serializeCookie(name, value, attributes))) continue;
      store.set(name, value, cookieStoreOptions(attributes));
    }
  }

  /**
   * Puts the recorded cookies and headers on the proxy's `NextResponse` as plain `Set-Cookie` lines, not through
   * `response.cookies`: Next.js copies what goes through `response.cookies` into the page's cookie store and sends
   * it again from there (a clearing cookie twice, once without `Max-Age`), while a plain line is sent once.
   */
  applyToProxyResponse(response: Response): void {
    this.#write(response.headers);
  }

  /** Sets the recorded headers (`Cache-Control`, `Vary` merged with what is there). */
  #applyHeaders(headers: Headers): void {
    for (const [name, value] of this.headers) {
      headers.set(name, name === 'Vary' ? mergeVary(headers.get(name) ?? undefined, value) : value);
    }
  }

  #write(headers: Headers): void {
    for (const { name, value, attributes } of this.cookies) {
      const line = serializeCookie(name, value, attributes);
      if (!this.#alreadySent.has(line)) headers.append('Set-Cookie', line);
    }
    this.#applyHeaders(headers);
  }
}

/**
 * A `Cookie` request header as it reads after the given `Set-Cookie` lines: each named cookie replaced by the value
 * set, or removed when the line clears it (an empty value or `Max-Age=0`).
 */
function withCookiesSet(cookieHeader: string | undefined, setCookies: readonly string[]): string | undefined {
  if (setCookies.length === 0) return cookieHeader;
  const set = new Map<string, string | null>();
  for (const line of setCookies) {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const value = pair.slice(eq + 1).trim();
    const cleared = value === '' || attributes.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
    set.set(pair.slice(0, eq).trim(), cleared ? null : value);
  }
  const kept = (cookieHeader ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '' && !set.has(part.slice(0, Math.max(part.indexOf('='), 0)).trim()));
  for (const [name, value] of set) if (value !== null) kept.push(`${name}=${value}`);
  return kept.length > 0 ? kept.join('; ') : undefined;
}

/** The options Next's cookie stores take, from the attributes the core computed. */
function cookieStoreOptions(attributes: CookieAttributes): CookieStoreOptions {
  const options: CookieStoreOptions = {
    path: attributes.path,
    secure: attributes.secure,
    httpOnly: attributes.httpOnly,
    sameSite: attributes.sameSite,
  };
  if (attributes.maxAge !== undefined) options.maxAge = attributes.maxAge;
  if (attributes.expires !== undefined) options.expires = attributes.expires;
  if (attributes.domain !== undefined) options.domain = attributes.domain;
  return options;
}

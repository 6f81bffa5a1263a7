import { getCookieFromHeader, mergeVary, type SessionPort, serializeCookie } from '@sess/core/adapter';
import type { Context } from 'hono';

/**
 * The {@link SessionPort} of one Hono request: cookies from the raw `Cookie` header, `Set-Cookie` appended (never
 * replacing the handler's own cookies), `Vary` merged with what the response already varies on.
 * @internal
 */
export function honoSessionPort(c: Context, remoteAddress: () => string | undefined): SessionPort {
  return {
    getCookie: (name) => getCookieFromHeader(c.req.header('Cookie'), name),
    getHeader: (name) => c.req.header(name),
    remoteAddress,
    setCookie: (name, value, attributes) => {
      setResponseHeader(c, 'Set-Cookie', serializeCookie(name, value, attributes), true);
    },
    setHeader: (name, value) => {
      if (name === 'Vary') setResponseHeader(c, 'Vary', mergeVary(c.res.headers.get('Vary'), value), false);
      else setResponseHeader(c, name, value, false);
    },
  };
}

/**
 * Sets a header on the response. After the route answered (`c.finalized`), it edits the response's own headers:
 * `c.header()` would copy the response first, and on `@hono/node-server` that copy turns its lightweight response
 * into a web `Response` whose body is streamed (several writes and a timer tick per request). Headers that cannot
 * be edited (a `fetch()` response, `Response.redirect()`) fall back to `c.header()`, which copies.
 */
function setResponseHeader(c: Context, name: string, value: string, append: boolean): void {
  if (c.finalized) {
    try {
      if (append) c.res.headers.append(name, value);
      else c.res.headers.set(name, value);
      return;
    } catch {
      // immutable headers: let Hono copy the response
    }
  }
  c.header(name, value, append ? { append: true } : undefined);
}

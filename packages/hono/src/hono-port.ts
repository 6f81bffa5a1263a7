import { getCookieFromHeader, type SessionPort, serializeCookie } from '@sess/core';
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
      c.header('Set-Cookie', serializeCookie(name, value, attributes), { append: true });
    },
    setHeader: (name, value) => {
      if (name === 'Vary') c.header('Vary', mergeVary(c.res.headers.get('Vary'), value));
      else c.header(name, value);
    },
  };
}

/** Adds `value` to a `Vary` header list unless it (or `*`) is already there, ignoring case. */
function mergeVary(existing: string | null, value: string): string {
  if (!existing) return value;
  const values = existing
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  const lower = value.toLowerCase();
  if (values.some((v) => v === '*' || v.toLowerCase() === lower)) return values.join(', ');
  return [...values, value].join(', ');
}

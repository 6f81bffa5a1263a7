import { type ParsedSetCookie, parseSetCookies } from '@sess/core/testing';

/**
 * A browser's cookies for one site, by name: `header()` is the `Cookie` header to send, `receive()` applies a
 * response's `Set-Cookie` headers like a browser does (`Max-Age` 0 or less deletes).
 */
export class CookieJar extends Map<string, string> {
  /** The `Cookie` header for the next request, or `undefined` when the jar is empty. */
  header(): string | undefined {
    return this.size === 0 ? undefined : [...this].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Applies the cookies a response set (its headers, or cookies parsed already); returns them parsed. */
  receive(from: Headers | readonly ParsedSetCookie[]): ParsedSetCookie[] {
    const cookies = from instanceof Headers ? parseSetCookies(from) : [...from];
    for (const c of cookies) {
      if (c.maxAge !== undefined && c.maxAge <= 0) this.delete(c.name);
      else this.set(c.name, c.value);
    }
    return cookies;
  }
}

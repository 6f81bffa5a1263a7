import type { SameSite } from './config.js';

/** Attributes of a cookie that sess sets or clears. */
export interface CookieAttributes {
  path: string;
  domain?: string | undefined;
  secure: boolean;
  httpOnly: boolean;
  sameSite: SameSite;
  /**
   * Seconds; 0 clears the cookie. Absent (with `expires`): a browser-session cookie, which the browser drops when it
   * closes (a sign-in without "remember me").
   */
  maxAge?: number | undefined;
  /** The same moment as `maxAge`, for clients that only read `Expires`. Absent for a browser-session cookie. */
  expires?: Date | undefined;
}

/**
 * The small interface through which a {@link SessionManager} talks to one HTTP request and its response.
 * Framework packages implement it; tests use `MemoryPort` from `@sess/core/testing`.
 */
export interface SessionPort {
  /**
   * The value of the named request cookie, or `undefined` when the request has none. The manager reads every value
   * of the name from the `Cookie` header (through `getHeader`) and asks this only when there is no such header.
   */
  getCookie(name: string): string | undefined;
  /** A request header, case-insensitive, or `undefined`. */
  getHeader(name: string): string | undefined;
  /** The socket peer address when the runtime gives one (it is the client IP unless `trustedProxies` say otherwise). */
  remoteAddress(): string | undefined;
  /** Sets a response cookie; a clearing cookie has `maxAge: 0`. */
  setCookie(name: string, value: string, attributes: CookieAttributes): void;
  /**
   * Sets a response header: `Cache-Control: private, no-store` and `Vary: Cookie` (merge `Vary` with existing
   * values).
   * Omit it where there is no response to write headers on (a server action).
   */
  setHeader?(name: 'Cache-Control' | 'Vary', value: string): void;
}

import type { ResolvedCookieConfig } from './config.js';
import { signCookieValue, verifyCookieValue } from './cookie-signing.js';
import type { CookieAttributes } from './session-port.js';
import { SessionToken } from './session-token.js';

/** Longest cookie value sess looks at (a signed token is 64 + 1 + 43 chars); longer values are rejected unread. */
export const MAX_COOKIE_VALUE_LENGTH = 256;

/** What a presented cookie value turned out to be. @internal */
export type CookieReading =
  /** `stale`: signed with an older secret of the list; the next response signs it with the newest. */
  { kind: 'token'; token: SessionToken; stale: boolean } | { kind: 'malformed' } | { kind: 'bad_signature' };

/** Reads a session cookie value: verifies the signature when secrets are set, then parses the token. @internal */
export function readSessionCookie(value: string, config: ResolvedCookieConfig): CookieReading {
  if (value.length > MAX_COOKIE_VALUE_LENGTH) return { kind: 'malformed' };
  let raw = value;
  let stale = false;
  if (config.secrets.length > 0) {
    const verified = verifyCookieValue(value, config.secrets);
    if (verified === null) return { kind: 'bad_signature' };
    raw = verified.value;
    stale = verified.secretIndex > 0;
  }
  const token = SessionToken.parse(raw);
  return token ? { kind: 'token', token, stale } : { kind: 'malformed' };
}

/** The cookie value for a token: bare hex, or signed with the newest secret. @internal */
export function sessionCookieValue(token: SessionToken, config: ResolvedCookieConfig): string {
  const hex = token.expose();
  const newest = config.secrets[0];
  return newest === undefined ? hex : signCookieValue(hex, newest);
}

/**
 * Attributes for a cookie that lives until `expiresAt`, or that clears the cookie when `expiresAt` is null. With
 * `persistent` false: a browser-session cookie (no Max-Age, no Expires). @internal
 */
export function cookieAttributes(
  config: ResolvedCookieConfig,
  now: Date,
  expiresAt: Date | null,
  persistent = true,
): CookieAttributes {
  const attributes: CookieAttributes = {
    path: config.path,
    domain: config.domain,
    secure: config.secure,
    httpOnly: config.httpOnly,
    sameSite: config.sameSite,
  };
  if (expiresAt !== null && !persistent) return attributes;
  attributes.maxAge =
    expiresAt === null ? 0 : Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000));
  attributes.expires = expiresAt === null ? new Date(0) : expiresAt;
  return attributes;
}

/**
 * Serialises a cookie for a `Set-Cookie` header, for adapters that write raw headers.
 *
 * @example
 * ```ts
 * res.append('Set-Cookie', serializeCookie('_session', value, attributes))
 * ```
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  const parts = [`${name}=${value}`, `Path=${attributes.path}`];
  if (attributes.domain) parts.push(`Domain=${attributes.domain}`);
  if (attributes.maxAge !== undefined) parts.push(`Max-Age=${attributes.maxAge}`);
  if (attributes.expires !== undefined) parts.push(`Expires=${attributes.expires.toUTCString()}`);
  if (attributes.httpOnly) parts.push('HttpOnly');
  if (attributes.secure) parts.push('Secure');
  parts.push(`SameSite=${attributes.sameSite[0]?.toUpperCase()}${attributes.sameSite.slice(1)}`);
  return parts.join('; ');
}

/**
 * Finds a cookie in a `Cookie` request header. When a name appears more than once (a stale cookie of another path
 * or domain), the first value is returned, as browsers send the most specific cookie first.
 */
export function getCookieFromHeader(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    return value;
  }
  return undefined;
}

/** Most values of one cookie name that are read from a `Cookie` header; more are ignored. */
const MAX_SAME_NAME_COOKIES = 8;

/**
 * Every value of the named cookie in a `Cookie` request header, in order (a stale cookie of another path or domain
 * comes with the same name), quotes removed, empty values skipped; at most 8.
 */
export function getCookiesFromHeader(header: string | null | undefined, name: string): string[] {
  const values: string[] = [];
  if (!header) return values;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (value !== '' && !values.includes(value)) values.push(value);
    if (values.length === MAX_SAME_NAME_COOKIES) break;
  }
  return values;
}

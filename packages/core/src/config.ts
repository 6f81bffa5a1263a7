import { DEFAULT_FINGERPRINT_HEADERS, parseTrustedProxies, type TrustedProxies } from './client-meta.js';
import { type Duration, durationToMs } from './duration.js';
import { configError } from './errors.js';
import type { SessionEvent } from './events.js';

/** `SameSite` attribute of the session cookie. */
export type SameSite = 'lax' | 'strict' | 'none';

/** Session behaviour. Every field is optional; the defaults are listed per field. */
export interface SessionConfig {
  /** Idle lifetime, sliding: each touch moves `expires_at` to now + ttl. @default 30 days */
  ttl: Duration;
  /** Absolute lifetime from creation that no touch or rotation extends. @default none */
  absoluteTtl: Duration | null | undefined;
  /** A request writes `last_active_at` only when `now - last_active_at >= touchInterval`. @default 5 minutes */
  touchInterval: Duration;
  /** Most live sessions a user keeps; creating one more evicts the least recently active. Must be >= 1. @default 10 */
  maxSessionsPerUser: number;
  /**
   * Destroy a session presented by another client: another browser family or another OS family than the one that
   * signed in (see `fingerprintHeaders`). @default true
   */
  validateFingerprint: boolean;
  /**
   * Request headers the fingerprint binds a session to (at most 5). `user-agent` is bound by browser family and OS
   * family only (Chrome, Firefox, Safari, Edge, ...; Apple, Windows, Linux/Android, ChromeOS), so browser updates,
   * reduced User-Agent strings and "request desktop site" never sign anyone out; a request without a User-Agent is
   * answered as anonymous and the session is kept. Any other header is bound by its exact value, and is skipped on a
   * request that does not send it. Apps that share one table should use the same list.
   * @default ["user-agent"]
   */
  fingerprintHeaders: readonly string[];
  /**
   * After `rotate()`, how long the replaced token still opens the session, for requests that other tabs had in
   * flight. `0` turns it off. At most 5 minutes. `authenticate()` never gives grace. @default 30 seconds
   */
  rotationGrace: Duration;
  /** Name of the session cookie. `__Host-` names are allowed. @default "_session" */
  cookieName: string;
  /** CIDR list of proxies whose forwarding headers are believed. @default [] (headers ignored) */
  trustedProxies: readonly string[];
  /** Table that holds the sessions. @default "sess_sessions" */
  tableName: string;
  /** The one clock of the store. @default () => new Date() */
  now: () => Date;
  /** Lifecycle hook for audit logs and metrics; errors it throws are swallowed. @default none */
  onEvent: ((event: SessionEvent) => void | Promise<void>) | undefined;
}

/** Cookie attributes. */
export interface CookieConfig {
  /** @default "/" */
  path: string;
  /** @default none (host-only) */
  domain: string | undefined;
  /** @default true */
  secure: boolean;
  /** @default true */
  httpOnly: boolean;
  /** @default "lax" */
  sameSite: SameSite;
  /**
   * Signing secret(s), newest first; each at least 32 bytes. The newest signs, all verify.
   * @default none (cookie carries the bare token)
   */
  secret: string | readonly string[] | undefined;
}

/** Input form of {@link SessionConfig}: every field optional. */
export type SessionOptions = { [K in keyof SessionConfig]?: SessionConfig[K] | undefined };
/** Input form of {@link CookieConfig}: every field optional. */
export type CookieOptions = { [K in keyof CookieConfig]?: CookieConfig[K] | undefined };

/** Resolved, validated session configuration (durations in milliseconds). */
export interface ResolvedSessionConfig {
  readonly ttlMs: number;
  readonly absoluteTtlMs: number | null;
  readonly touchIntervalMs: number;
  readonly maxSessionsPerUser: number;
  readonly validateFingerprint: boolean;
  readonly fingerprintHeaders: readonly string[];
  readonly rotationGraceMs: number;
  readonly cookieName: string;
  readonly trustedProxies: TrustedProxies;
  readonly tableName: string;
  readonly now: () => Date;
  readonly onEvent: ((event: SessionEvent) => void | Promise<void>) | undefined;
}

/** Resolved, validated cookie configuration. */
export interface ResolvedCookieConfig {
  readonly path: string;
  readonly domain: string | undefined;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: SameSite;
  /** Secrets, newest first (empty: unsigned cookies). */
  readonly secrets: readonly string[];
}

const MAX_FINGERPRINT_HEADERS = 5;
const MAX_ROTATION_GRACE_MS = 5 * 60_000;
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Returns `name` when it is a plain SQL identifier; otherwise throws `INVALID_CONFIG` naming `tableName`. @internal */
export function checkTableName(name: unknown): string {
  if (typeof name !== 'string' || !TABLE_NAME.test(name)) {
    throw configError(
      'tableName',
      `must be a plain SQL identifier (letters, digits, _; at most 63 chars) (got ${JSON.stringify(name)})`,
    );
  }
  return name;
}

/** Validates and resolves a {@link SessionOptions}. Throws `INVALID_CONFIG` naming the field and the rule. */
export function resolveSessionConfig(options: SessionOptions = {}): ResolvedSessionConfig {
  const ttlMs = durationToMs('ttl', options.ttl ?? 30 * 86_400);
  if (ttlMs <= 0) throw configError('ttl', 'must be greater than 0');
  const absolute = options.absoluteTtl ?? null;
  const absoluteTtlMs = absolute === null ? null : durationToMs('absoluteTtl', absolute);
  if (absoluteTtlMs !== null && absoluteTtlMs <= 0)
    throw configError('absoluteTtl', 'must be greater than 0 when set');
  const touchIntervalMs = durationToMs('touchInterval', options.touchInterval ?? 300);

  const max = options.maxSessionsPerUser ?? 10;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
    throw configError('maxSessionsPerUser', `must be an integer of at least 1 (got ${String(max)})`);
  }
  const cookieName = options.cookieName ?? '_session';
  if (typeof cookieName !== 'string' || !COOKIE_NAME.test(cookieName)) {
    throw configError(
      'cookieName',
      `must be a non-empty cookie token without spaces, ';' or '=' (got ${JSON.stringify(cookieName)})`,
    );
  }
  const tableName = checkTableName(options.tableName ?? 'sess_sessions');
  const now = options.now ?? (() => new Date());
  if (typeof now !== 'function') throw configError('now', 'must be a function returning a Date');
  const onEvent = options.onEvent;
  if (onEvent !== undefined && typeof onEvent !== 'function')
    throw configError('onEvent', 'must be a function');
  const validateFingerprint = options.validateFingerprint ?? true;
  if (typeof validateFingerprint !== 'boolean') throw configError('validateFingerprint', 'must be a boolean');
  const fingerprintHeaders = options.fingerprintHeaders ?? DEFAULT_FINGERPRINT_HEADERS;
  if (
    !Array.isArray(fingerprintHeaders) ||
    fingerprintHeaders.length === 0 ||
    fingerprintHeaders.length > MAX_FINGERPRINT_HEADERS ||
    !fingerprintHeaders.every((h) => typeof h === 'string' && /^[A-Za-z0-9-]+$/.test(h)) ||
    new Set(fingerprintHeaders.map((h) => h.toLowerCase())).size !== fingerprintHeaders.length
  ) {
    throw configError(
      'fingerprintHeaders',
      `must be a list of 1 to ${MAX_FINGERPRINT_HEADERS} distinct header names (letters, digits and "-")`,
    );
  }
  const rotationGraceMs = durationToMs('rotationGrace', options.rotationGrace ?? 30);
  if (rotationGraceMs > MAX_ROTATION_GRACE_MS)
    throw configError(
      'rotationGrace',
      'must be at most 5 minutes (the replaced token is a credential until then)',
    );

  return Object.freeze({
    ttlMs,
    absoluteTtlMs,
    touchIntervalMs,
    maxSessionsPerUser: max,
    validateFingerprint,
    fingerprintHeaders: Object.freeze(fingerprintHeaders.map((h) => h.toLowerCase())),
    rotationGraceMs,
    cookieName,
    trustedProxies: parseTrustedProxies(options.trustedProxies ?? []),
    tableName,
    now,
    onEvent,
  });
}

/** Validates and resolves a {@link CookieOptions} against the session's cookie name. */
export function resolveCookieConfig(
  options: CookieOptions = {},
  cookieName = '_session',
): ResolvedCookieConfig {
  const path = options.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/') || /[;\s]/.test(path)) {
    throw configError(
      'cookie.path',
      `must start with "/" and hold no ';' or spaces (got ${JSON.stringify(path)})`,
    );
  }
  const domain = options.domain;
  if (domain !== undefined && (typeof domain !== 'string' || domain === '' || /[;\s]/.test(domain))) {
    throw configError(
      'cookie.domain',
      `must be a host name without ';' or spaces (got ${JSON.stringify(domain)})`,
    );
  }
  const secure = options.secure ?? true;
  const httpOnly = options.httpOnly ?? true;
  const sameSite = options.sameSite ?? 'lax';
  if (!['lax', 'strict', 'none'].includes(sameSite)) {
    throw configError(
      'cookie.sameSite',
      `must be "lax", "strict" or "none" (got ${JSON.stringify(sameSite)})`,
    );
  }
  if (sameSite === 'none' && !secure)
    throw configError('cookie.sameSite', 'can be "none" only with `cookie.secure` true');
  if (cookieName.startsWith('__Host-')) {
    if (!secure) throw configError('cookie.secure', 'must be true for a "__Host-" cookie name');
    if (path !== '/') throw configError('cookie.path', 'must be "/" for a "__Host-" cookie name');
    if (domain !== undefined) throw configError('cookie.domain', 'must be unset for a "__Host-" cookie name');
  }
  if (cookieName.startsWith('__Secure-') && !secure) {
    throw configError('cookie.secure', 'must be true for a "__Secure-" cookie name');
  }
  const raw = options.secret;
  const secrets = raw === undefined ? [] : typeof raw === 'string' ? [raw] : [...raw];
  if (raw !== undefined && secrets.length === 0)
    throw configError('cookie.secret', 'must hold at least one secret when set');
  secrets.forEach((secret, i) => {
    if (typeof secret !== 'string' || Buffer.byteLength(secret, 'utf8') < 32) {
      throw configError('cookie.secret', `entry ${i} must be a string of at least 32 bytes`);
    }
  });
  return Object.freeze({ path, domain, secure, httpOnly, sameSite, secrets: Object.freeze(secrets) });
}

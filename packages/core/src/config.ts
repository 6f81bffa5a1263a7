import type { CompiledQuery, QueryResult } from 'kysely';
import {
  CLIENT_IP_HEADERS,
  type ClientIpHeader,
  parseTrustedProxies,
  type TrustedProxies,
} from './client-ip.js';
import { utf8Length } from './crypto.js';
import type { SqlFamily } from './dialect.js';
import { type Duration, durationToMs } from './duration.js';
import { configError } from './errors.js';
import type { SessionEvent } from './events.js';
import { DEFAULT_FINGERPRINT_HEADERS } from './fingerprint.js';

/** `SameSite` attribute of the session cookie. */
export type SameSite = 'lax' | 'strict' | 'none';

/** Session behaviour. Every field is optional; the defaults are listed per field. */
export interface SessionConfig {
  /** Idle lifetime, sliding: each touch moves `expires_at` to now + ttl. @default 30 days */
  ttl: Duration;
  /** Absolute lifetime from creation that no touch or rotation extends. @default none */
  absoluteTtl: Duration | null | undefined;
  /**
   * A request writes `last_active_at` only when `now - last_active_at >= touchInterval`. Must be shorter than `ttl`:
   * a user whose requests are never more than `ttl - touchInterval` apart stays signed in.
   * @default 5 minutes (half of `ttl` when that is shorter)
   */
  touchInterval: Duration;
  /**
   * Guest sessions: `set()` (or `flash()`) on an anonymous request creates a session without a user (and its
   * cookie) instead of failing with `UNAUTHENTICATED`. No row is written until data is set, so crawlers and one-off
   * visitors cost nothing. A guest session is never listed among a user's devices, does not count toward
   * `maxSessionsPerUser`, lives `guestTtl`, and becomes the user's session (new token, data carried over) on
   * `authenticate()`. @default false
   */
  guests: boolean;
  /** Idle lifetime of a guest session, sliding like `ttl`. At most `ttl`. @default 7 days (or `ttl` when shorter) */
  guestTtl: Duration;
  /**
   * Idle lifetime of a session signed in with `authenticate(userId, data, { remember: false })`, sliding like `ttl`.
   * Its cookie has no Max-Age/Expires (the browser drops it when it closes); the row ends after this long idle.
   * At most `ttl`. @default 1 day (or `ttl` when shorter)
   */
  browserSessionTtl: Duration;
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
  /**
   * The header your trusted proxies set with the client address: `"x-forwarded-for"` (appended to; X-Real-IP is read
   * when it yields no address), `"forwarded"` (RFC 7239, appended to) or `"x-real-ip"` (replaced). Only that header
   * is believed, and only from a peer in `trustedProxies`; the others are client-controlled and ignored.
   * @default "x-forwarded-for"
   */
  clientIpHeader: ClientIpHeader;
  /**
   * The SQL family of the database: `"postgres"`, `"mysql"` or `"sqlite"`. Set it only for a Kysely dialect sess
   * cannot recognise (one whose adapter does not extend Kysely's Postgres, MySQL or SQLite adapter): the per-user
   * locking and the cleanup strategy depend on it, so an unknown one is an `INVALID_CONFIG` error, never a guess.
   * @default read from the Kysely instance's adapter
   */
  dialect: SqlFamily | undefined;
  /**
   * Runs several statements atomically in one round trip, for a SQLite database without interactive transactions
   * (Cloudflare D1: `batch: d1Batch(env.DB)` from `@sess/core/drivers`). sess never opens an interactive transaction
   * on SQLite: a sign-in is three statements (insert, remove the replaced session, trim the user's sessions to
   * `maxSessionsPerUser`); without `batch` they run one after another and the cap holds once each sign-in returns;
   * with it, at every moment. @default none
   */
  batch: SessionBatch | undefined;
  /** Table that holds the sessions. @default "sess_sessions" */
  tableName: string;
  /**
   * Longest time one store operation may take (all retries included) before it fails with `STORE_FAILURE` (503), so
   * a stalled database answers instead of hanging requests. Not applied on SQLite (synchronous; its busy timeout
   * is the limit). @default 5 seconds
   */
  operationTimeout: Duration;
  /**
   * Largest session data, in bytes of JSON (UTF-8). Larger data fails with `INVALID_DATA` and is not written; the
   * data is read on every request, so keep large things in your own tables. At most 8 MiB. @default 65536 (64 KiB)
   */
  maxDataBytes: number;
  /**
   * Responses to requests that carry a session cookie or are signed in get `Cache-Control: private, no-store`, so no
   * cache keeps a page that depends on the session. `false` leaves those to you. Responses that set or clear the
   * cookie always get it. @default true
   */
  noStore: boolean;
  /** The one clock of the store. @default () => new Date() */
  now: () => Date;
  /** Lifecycle hook for audit logs and metrics; errors it throws are swallowed. @default none */
  onEvent: ((event: SessionEvent) => void | Promise<void>) | undefined;
}

/** Runs compiled statements atomically, in order, and resolves each one's result (rows for `RETURNING`). */
export type SessionBatch = (queries: readonly CompiledQuery[]) => Promise<readonly QueryResult<unknown>[]>;

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
  readonly guests: boolean;
  readonly guestTtlMs: number;
  readonly browserSessionTtlMs: number;
  readonly maxSessionsPerUser: number;
  readonly validateFingerprint: boolean;
  readonly fingerprintHeaders: readonly string[];
  readonly rotationGraceMs: number;
  readonly operationTimeoutMs: number;
  readonly maxDataBytes: number;
  readonly noStore: boolean;
  readonly cookieName: string;
  readonly trustedProxies: TrustedProxies;
  readonly clientIpHeader: ClientIpHeader;
  readonly dialect: SqlFamily | undefined;
  readonly batch: SessionBatch | undefined;
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
/** Chrome and RFC 6265bis cap a cookie's lifetime at 400 days. */
const MAX_COOKIE_LIFETIME_MS = 400 * 86_400_000;
const MAX_ABSOLUTE_TTL_MS = 100 * 365 * 86_400_000;
const MAX_ROTATION_GRACE_MS = 5 * 60_000;
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Returns `name` when it is a plain SQL identifier (a session table name); otherwise throws `INVALID_CONFIG` naming `tableName`. */
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
  if (ttlMs > MAX_COOKIE_LIFETIME_MS) {
    throw configError(
      'ttl',
      'must be at most 400 days (browsers cap a cookie there; the cookie must live as long as the row)',
    );
  }
  const absolute = options.absoluteTtl ?? null;
  const absoluteTtlMs = absolute === null ? null : durationToMs('absoluteTtl', absolute);
  if (absoluteTtlMs !== null && (absoluteTtlMs <= 0 || absoluteTtlMs > MAX_ABSOLUTE_TTL_MS))
    throw configError('absoluteTtl', 'must be greater than 0 and at most 100 years when set');
  // Default: 5 minutes, or half of a shorter ttl, so a short-lived store still touches in time.
  const touchIntervalMs =
    options.touchInterval === undefined
      ? Math.min(300_000, Math.floor(ttlMs / 2))
      : durationToMs('touchInterval', options.touchInterval);
  if (touchIntervalMs >= ttlMs) {
    throw configError(
      'touchInterval',
      `must be shorter than ttl (${touchIntervalMs} ms >= ${ttlMs} ms): a session would expire before its first touch, signing active users out`,
    );
  }
  const guests = options.guests ?? false;
  if (typeof guests !== 'boolean') throw configError('guests', 'must be a boolean');
  const guestTtlMs = shorterTtl('guestTtl', options.guestTtl, 7 * 86_400_000, ttlMs, touchIntervalMs);
  const browserSessionTtlMs = shorterTtl(
    'browserSessionTtl',
    options.browserSessionTtl,
    86_400_000,
    ttlMs,
    touchIntervalMs,
  );

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
  const operationTimeoutMs = durationToMs('operationTimeout', options.operationTimeout ?? 5);
  if (operationTimeoutMs <= 0 || operationTimeoutMs > 2_147_483_647)
    throw configError('operationTimeout', 'must be greater than 0 and at most 24 days');
  const clientIpHeader = options.clientIpHeader ?? 'x-forwarded-for';
  if (!CLIENT_IP_HEADERS.includes(clientIpHeader)) {
    throw configError(
      'clientIpHeader',
      `must be one of ${CLIENT_IP_HEADERS.map((h) => JSON.stringify(h)).join(', ')} (got ${JSON.stringify(clientIpHeader)})`,
    );
  }
  const maxDataBytes = options.maxDataBytes ?? 65_536;
  if (
    typeof maxDataBytes !== 'number' ||
    !Number.isInteger(maxDataBytes) ||
    maxDataBytes < 2 ||
    maxDataBytes > 8 * 1024 * 1024
  )
    throw configError('maxDataBytes', `must be an integer from 2 to 8388608 (got ${String(maxDataBytes)})`);
  const batch = options.batch;
  if (batch !== undefined && typeof batch !== 'function') throw configError('batch', 'must be a function');
  const noStore = options.noStore ?? true;
  if (typeof noStore !== 'boolean') throw configError('noStore', 'must be a boolean');
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
    guests,
    guestTtlMs,
    browserSessionTtlMs,
    maxSessionsPerUser: max,
    validateFingerprint,
    fingerprintHeaders: Object.freeze(fingerprintHeaders.map((h) => h.toLowerCase())),
    rotationGraceMs,
    operationTimeoutMs,
    maxDataBytes,
    noStore,
    cookieName,
    trustedProxies: parseTrustedProxies(options.trustedProxies ?? []),
    clientIpHeader,
    dialect: options.dialect,
    batch,
    tableName,
    now,
    onEvent,
  });
}

/**
 * A lifetime that is at most `ttl` (defaulting to `fallbackMs`, or `ttl` when that is shorter) and longer than the
 * touch interval, so an active session is touched before it ends.
 */
function shorterTtl(
  field: string,
  value: Duration | undefined,
  fallbackMs: number,
  ttlMs: number,
  touchIntervalMs: number,
): number {
  const ms = value === undefined ? Math.min(fallbackMs, ttlMs) : durationToMs(field, value);
  if (ms > ttlMs) throw configError(field, `must be at most ttl (${ms} ms > ${ttlMs} ms)`);
  if (ms <= touchIntervalMs) {
    throw configError(
      field,
      `must be longer than touchInterval (${ms} ms <= ${touchIntervalMs} ms): a session would expire before its first touch`,
    );
  }
  return ms;
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
  if (typeof secure !== 'boolean')
    throw configError('cookie.secure', `must be a boolean (got ${typeof secure})`);
  const httpOnly = options.httpOnly ?? true;
  if (typeof httpOnly !== 'boolean')
    throw configError('cookie.httpOnly', `must be a boolean (got ${typeof httpOnly})`);
  const sameSite = options.sameSite ?? 'lax';
  if (!['lax', 'strict', 'none'].includes(sameSite)) {
    throw configError(
      'cookie.sameSite',
      `must be "lax", "strict" or "none" (got ${JSON.stringify(sameSite)})`,
    );
  }
  if (sameSite === 'none' && !secure)
    throw configError('cookie.sameSite', 'can be "none" only with `cookie.secure` true');
  // Browsers match the prefixes case-insensitively (RFC 6265bis): "__HOST-sid" is held to the same rules.
  const lowerName = cookieName.toLowerCase();
  if (lowerName.startsWith('__host-')) {
    if (!secure) throw configError('cookie.secure', 'must be true for a "__Host-" cookie name');
    if (path !== '/') throw configError('cookie.path', 'must be "/" for a "__Host-" cookie name');
    if (domain !== undefined) throw configError('cookie.domain', 'must be unset for a "__Host-" cookie name');
  }
  if (lowerName.startsWith('__secure-') && !secure) {
    throw configError('cookie.secure', 'must be true for a "__Secure-" cookie name');
  }
  const raw = options.secret;
  const secrets = raw === undefined ? [] : typeof raw === 'string' ? [raw] : [...raw];
  if (raw !== undefined && secrets.length === 0)
    throw configError('cookie.secret', 'must hold at least one secret when set');
  secrets.forEach((secret, i) => {
    if (typeof secret !== 'string' || utf8Length(secret) < 32) {
      throw configError('cookie.secret', `entry ${i} must be a string of at least 32 bytes`);
    }
  });
  return Object.freeze({ path, domain, secure, httpOnly, sameSite, secrets: Object.freeze(secrets) });
}

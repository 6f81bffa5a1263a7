export { type CleanupJob, type StartCleanupOptions, startCleanup } from './cleanup.js';
export {
  buildSessionMeta,
  type ClientHints,
  type ClientIpHeader,
  clientIp,
  DEFAULT_FINGERPRINT_HEADERS,
  type DeviceType,
  parseDevice,
  parseTrustedProxies,
  type RequestInfo,
  requestFingerprint,
  type SessionMeta,
  type TrustedProxies,
} from './client-meta.js';
export {
  type CookieConfig,
  type CookieOptions,
  type ResolvedCookieConfig,
  type ResolvedSessionConfig,
  resolveCookieConfig,
  resolveSessionConfig,
  type SameSite,
  type SessionConfig,
  type SessionOptions,
} from './config.js';
export { signCookieValue, unsignCookieValue } from './cookie-signing.js';
export { getCookieFromHeader, MAX_COOKIE_VALUE_LENGTH, serializeCookie } from './cookies.js';
export { type Duration, durationToMs } from './duration.js';
export { SessionError, type SessionErrorCode, type SessionErrorOptions } from './errors.js';
export type { DestroyReason, EventMeta, RejectReason, SessionEvent } from './events.js';
export {
  type MigrationOptions,
  migrateToLatest,
  SessionMigrationProvider,
  sessionMigrations,
} from './migrations.js';
export { type PreparedStatementsOptions, withPreparedStatements } from './postgres-prepared-statements.js';
export type { SessionData, SessionValues } from './session-data.js';
export {
  type CommitOptions,
  type SessionListItem,
  SessionManager,
  type SessionManagerOptions,
} from './session-manager.js';
export type { CookieAttributes, SessionPort } from './session-port.js';
export { type CleanupOptions, type DataChanges, type RotateOptions, SessionStore } from './session-store.js';
export { SessionToken } from './session-token.js';
export { type StatementCacheOptions, withStatementCache } from './sqlite-statement-cache.js';

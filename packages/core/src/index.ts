// What an app writes. Building blocks live on subpaths: `@sess/core/adapter` (framework integrations),
// `@sess/core/client` (client IP, device, fingerprint), `@sess/core/drivers` (statement caches),
// `@sess/core/testing` (test kit).
export { type CleanupJob, type StartCleanupOptions, startCleanup } from './cleanup.js';
export type { ClientIpHeader } from './client-ip.js';
export type { SessionMeta } from './client-meta.js';
export type {
  CookieConfig,
  CookieOptions,
  ResolvedCookieConfig,
  ResolvedSessionConfig,
  SameSite,
  SessionBatch,
  SessionConfig,
  SessionOptions,
} from './config.js';
export type { SqlFamily } from './dialect.js';
export { type Duration, durationToMs } from './duration.js';
export { SessionError, type SessionErrorCode, type SessionErrorOptions } from './errors.js';
export type { DestroyReason, EventMeta, RejectReason, SessionEvent } from './events.js';
export {
  type MigrationOptions,
  migrateToLatest,
  SessionMigrationProvider,
  sessionMigrations,
} from './migrations.js';
export type { SessionData, SessionValues, UserSessionData } from './session-data.js';
export {
  type AuthenticateOptions,
  type CommitOptions,
  type SessionListItem,
  SessionManager,
  type SessionManagerOptions,
} from './session-manager.js';
export {
  type CleanupOptions,
  type CreateOptions,
  type DataChanges,
  type RotateOptions,
  SessionStore,
} from './session-store.js';
export { SessionToken } from './session-token.js';
export type { ClientHints, DeviceType } from './user-agent.js';

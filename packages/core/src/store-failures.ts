import { SessionError } from './errors.js';

/** Deadlocks, serialisation failures and busy databases: worth another try. */
export function isTransient(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === '40001' || e.code === '40P01' || e.code === '55P03') return true; // PostgreSQL
  if (e.errno === 1213 || e.errno === 1205) return true; // MySQL/MariaDB deadlock, lock wait timeout
  return typeof e.code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(e.code);
}

/** `error` as a `STORE_FAILURE` naming `op`; a `SessionError` (already translated, or ours) passes through. */
export function storeFailure(op: string, error: unknown): SessionError {
  if (error instanceof SessionError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  // Never echo anything token-shaped (a driver may quote a duplicate key).
  const safe = detail.replace(/[0-9a-fA-F]{64}/g, '****').slice(0, 300);
  return new SessionError(
    'STORE_FAILURE',
    `SessionStore.${op} failed: the database did not complete the operation (${safe}). Check that the database is reachable and migrated (migrateToLatest).`,
    { cause: error },
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

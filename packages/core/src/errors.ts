/**
 * Stable error codes of sess. Each code maps to one HTTP status.
 */
export type SessionErrorCode =
  | 'UNAUTHENTICATED'
  | 'SESSION_NOT_FOUND'
  | 'STORE_FAILURE'
  | 'INVALID_CONFIG'
  | 'INVALID_DATA'
  | 'NO_SESSION_CONTEXT'
  | 'READ_ONLY'
  | 'REAUTHENTICATION_REQUIRED';

const STATUS: Record<SessionErrorCode, number> = {
  UNAUTHENTICATED: 401,
  SESSION_NOT_FOUND: 404,
  STORE_FAILURE: 503,
  INVALID_CONFIG: 500,
  INVALID_DATA: 500,
  NO_SESSION_CONTEXT: 500,
  READ_ONLY: 500,
  REAUTHENTICATION_REQUIRED: 403,
};

/** Options of {@link SessionError}. */
export interface SessionErrorOptions {
  /** The underlying error (a driver error, a JSON error). */
  cause?: unknown;
  /** Overrides the status that the code implies. */
  status?: number | undefined;
}

/**
 * The one error class of sess. Every failure that crosses the public API is a `SessionError`
 * with a stable string `code` and the HTTP `status` a framework package answers with.
 *
 * @example
 * ```ts
 * try { await manager.rotate() } catch (e) {
 *   if (e instanceof SessionError && e.code === 'UNAUTHENTICATED') return redirect('/login')
 *   throw e
 * }
 * ```
 */
export class SessionError extends Error {
  /** Stable machine-readable code. */
  readonly code: SessionErrorCode;
  /** HTTP status that matches the code (401, 403, 404, 503, 500). */
  readonly status: number;

  constructor(code: SessionErrorCode, message: string, options: SessionErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? STATUS[code];
  }

  /** True when `value` is a `SessionError` (optionally with the given code). */
  static is(value: unknown, code?: SessionErrorCode): value is SessionError {
    return value instanceof SessionError && (code === undefined || value.code === code);
  }
}

/**
 * Builds the `INVALID_CONFIG` error for a configuration field, with the message every sess package uses:
 * "Invalid sess configuration: \`field\` rule."
 */
export function configError(field: string, rule: string): SessionError {
  return new SessionError('INVALID_CONFIG', `Invalid sess configuration: \`${field}\` ${rule}.`);
}

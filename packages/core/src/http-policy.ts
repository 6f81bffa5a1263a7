import { SessionError, type SessionErrorCode } from './errors.js';

/**
 * What the framework packages share about HTTP, so that they only translate: the error body, which errors a client
 * may read, when a request counts as failed, how `Vary` merges, and what a failed session load does.
 */

/** The JSON body of an error answered by every sess framework package. */
export interface SessionErrorBody {
  error: {
    /** The `SessionError` code, e.g. `"UNAUTHENTICATED"`. */
    code: SessionErrorCode;
    /** What went wrong and what to do. Never a token, and never the database's own words. */
    message: string;
  };
}

/** What a client reads instead of the details of a database failure (those go to the `onEvent` hook). */
const STORE_FAILURE_MESSAGE = 'The session store is unavailable; try again shortly.';
/** What a client reads instead of a server-side programming error (bad configuration, data that is not JSON). */
const SERVER_ERROR_MESSAGE = 'The session could not be handled because of an error on the server.';

/**
 * The body for a `SessionError`: `{ error: { code, message } }`. A client-side error (401, 404, 403) keeps its
 * message; a store failure and a server-side error get a fixed one, so no driver text, SQL or configuration detail
 * reaches a response.
 */
export function sessionErrorBody(error: SessionError): SessionErrorBody {
  const message =
    error.status === 503 ? STORE_FAILURE_MESSAGE : error.status >= 500 ? SERVER_ERROR_MESSAGE : error.message;
  return { error: { code: error.code, message } };
}

/** What a framework package does when the session cannot be loaded because the database failed. */
export type LoadErrorMode =
  /** Answer 503 `STORE_FAILURE` at once; the route does not run (the default). */
  | 'respond'
  /** Run the route anonymously (the cookie is kept; changing the session answers 503). */
  | 'anonymous';

/**
 * True when a request's handler failed, so its data changes are not written and no touch happens: it threw, or it
 * answered a 5xx.
 */
export function handlerFailed(status: number, threw = false): boolean {
  return threw || status >= 500;
}

/** `existing` (a `Vary` header value, or nothing) with `value` added, unless it or `*` is already there (any case). */
export function mergeVary(existing: string | null | undefined, value: string): string {
  if (!existing) return value;
  const values = existing
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  const lower = value.toLowerCase();
  if (values.some((v) => v === '*' || v.toLowerCase() === lower)) return values.join(', ');
  return [...values, value].join(', ');
}

/** `error` as a `SessionError`: itself, or a `STORE_FAILURE` wrapping anything else a session load threw. */
export function asSessionError(error: unknown): SessionError {
  return error instanceof SessionError
    ? error
    : new SessionError('STORE_FAILURE', 'Loading the session failed.', { cause: error });
}

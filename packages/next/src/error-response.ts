import type { SessionError } from '@sess/core';
import { type SessionErrorBody, sessionErrorBody } from '@sess/core/adapter';

/** The JSON body of an error answer (the same in every sess package). */
export type { SessionErrorBody };

/**
 * The JSON response for a `SessionError`: its `status` (401, 404, 503, ...) and `{ error: { code, message } }`; a
 * store failure or a server-side error says only that (the database's own words go to the store's `onEvent`).
 * `withSession` answers with it; use it in your own handlers for the same shape.
 *
 * @example
 * ```ts
 * if (!session.isAuthenticated) return sessionErrorResponse(new SessionError('UNAUTHENTICATED', 'Sign in first.'))
 * ```
 */
export function sessionErrorResponse(error: SessionError): Response {
  return Response.json(sessionErrorBody(error), { status: error.status });
}

import type { SessionError } from '@sess/core';

/** The JSON body of an error answer: `{ error: { code, message } }`. */
export interface SessionErrorBody {
  error: { code: string; message: string };
}

/**
 * The JSON response for a `SessionError`: its `status` (401, 404, 503, ...) and `{ error: { code, message } }`.
 * `withSession` answers with it; use it in your own handlers for the same shape.
 *
 * @example
 * ```ts
 * if (!session.isAuthenticated) return sessionErrorResponse(new SessionError('UNAUTHENTICATED', 'Sign in first.'))
 * ```
 */
export function sessionErrorResponse(error: SessionError): Response {
  const body: SessionErrorBody = { error: { code: error.code, message: error.message } };
  return Response.json(body, { status: error.status });
}

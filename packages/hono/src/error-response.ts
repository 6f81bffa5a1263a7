import type { SessionError, SessionErrorCode } from '@sess/core';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The JSON body of an error answered by `@sess/hono`: the stable code and a message that names what to do. */
export interface SessionErrorBody {
  error: {
    /** The `SessionError` code, e.g. `"UNAUTHENTICATED"`. */
    code: SessionErrorCode;
    /** What went wrong and what to do. Never contains a token. */
    message: string;
  };
}

/** Turns a `SessionError` into the response a client gets. */
export type SessionErrorResponder = (error: SessionError, c: Context) => Response | Promise<Response>;

/** The default responder: `{ error: { code, message } }` with the error's status (401, 404, 503, 500). */
export const jsonErrorResponse: SessionErrorResponder = (error, c) => {
  const body: SessionErrorBody = { error: { code: error.code, message: error.message } };
  return c.json(body, error.status as ContentfulStatusCode);
};

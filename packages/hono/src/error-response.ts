import type { SessionError } from '@sess/core';
import { type SessionErrorBody, sessionErrorBody } from '@sess/core/adapter';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The JSON body of an error answered by `@sess/hono` (the same in every sess package). */
export type { SessionErrorBody };

/** Turns a `SessionError` into the response a client gets. */
export type SessionErrorResponder = (error: SessionError, c: Context) => Response | Promise<Response>;

/**
 * The default responder: `{ error: { code, message } }` with the error's status (401, 404, 503, 500). A store
 * failure or a server-side error answers a fixed message: the database's own words never reach a client (they are
 * on the error's `cause`, and on the store's `onEvent` hook).
 */
export const jsonErrorResponse: SessionErrorResponder = (error, c) =>
  c.json(sessionErrorBody(error), error.status as ContentfulStatusCode);

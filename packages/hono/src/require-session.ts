import { SessionError, type SessionManager } from '@sess/core';
import type { Context, MiddlewareHandler } from 'hono';
import { responderOf, type SessionEnv } from './session-middleware.js';

/** Options of {@link requireSession}. */
export interface RequireSessionOptions {
  /**
   * Answers an anonymous request instead of the 401 error, e.g. a redirect to the sign-in page in an HTML app.
   * @default the session middleware's error response (401 JSON)
   */
  onUnauthenticated?: ((c: Context) => Response | Promise<Response>) | undefined;
}

/**
 * Lets only signed-in requests through: an anonymous request gets 401 `UNAUTHENTICATED` (or what
 * `onUnauthenticated` answers). When the session could not be loaded because the database failed (a route that
 * opted into `onLoadError: 'anonymous'`), it answers 503 `STORE_FAILURE` rather than pretend the user is signed out.
 * Needs {@link session} before it. It adds no variables, so the route keeps the session type of the app.
 *
 * @example
 * ```ts
 * app.get('/me', requireSession(), (c) => c.json({ userId: c.get('session').userId }))
 * app.use('/account/*', requireSession({ onUnauthenticated: (c) => c.redirect('/login') }))
 * ```
 */
export function requireSession(options: RequireSessionOptions = {}): MiddlewareHandler {
  return async (c, next) => {
    const manager = (c as Context<SessionEnv>).get('session') as SessionManager | undefined;
    if (!manager) {
      throw new SessionError(
        'NO_SESSION_CONTEXT',
        'requireSession(): no session on this request; install the middleware first: app.use(session({ store })).',
      );
    }
    if (manager.loadFailed) {
      return responderOf(c)(
        new SessionError(
          'STORE_FAILURE',
          'The session could not be loaded because the database failed; try again.',
        ),
        c,
      );
    }
    if (!manager.isAuthenticated) {
      if (options.onUnauthenticated) return options.onUnauthenticated(c);
      return responderOf(c)(
        new SessionError('UNAUTHENTICATED', 'Sign in first: this route needs a session.'),
        c,
      );
    }
    await next();
  };
}

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
 * Lets only signed-in requests through: an anonymous request, or one with only a guest session (see the store's
 * `guests` option), gets 401 `UNAUTHENTICATED` (or what `onUnauthenticated` answers). When the session could not
 * be loaded because the database failed (a route that opted into `onLoadError: 'anonymous'`), it answers 503
 * `STORE_FAILURE` rather than pretend the user is signed out.
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
    const refused = await refuseUnlessSignedIn(c, 'requireSession', options.onUnauthenticated);
    if (refused) return refused;
    await next();
  };
}

/**
 * The request's session manager, or `NO_SESSION_CONTEXT` (thrown) when `session()` is not installed.
 * @internal
 */
export function managerOf(c: Context, guard: string): SessionManager {
  const manager = (c as Context<SessionEnv>).get('session') as SessionManager | undefined;
  if (!manager) {
    throw new SessionError(
      'NO_SESSION_CONTEXT',
      `${guard}(): no session on this request; install the middleware first: app.use(session({ store })).`,
    );
  }
  return manager;
}

/**
 * The answer of a guard for a request that is not signed in (503 when the load failed, else 401 or what
 * `onUnauthenticated` answers), or `undefined` when a user is signed in.
 * @internal
 */
export async function refuseUnlessSignedIn(
  c: Context,
  guard: string,
  onUnauthenticated: ((c: Context) => Response | Promise<Response>) | undefined,
): Promise<Response | undefined> {
  const manager = managerOf(c, guard);
  if (manager.loadFailed) {
    return responderOf(c)(
      new SessionError(
        'STORE_FAILURE',
        'The session could not be loaded because the database failed; try again.',
      ),
      c,
    );
  }
  if (manager.isAuthenticated) return undefined;
  if (onUnauthenticated) return onUnauthenticated(c);
  return responderOf(c)(new SessionError('UNAUTHENTICATED', 'Sign in first: this route needs a session.'), c);
}

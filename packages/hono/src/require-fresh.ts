import { type Duration, durationToMs, SessionError } from '@sess/core';
import type { Context, MiddlewareHandler } from 'hono';
import { managerOf, refuseUnlessSignedIn } from './require-session.js';
import { responderOf } from './session-middleware.js';

/** Options of {@link requireFresh}. */
export interface RequireFreshOptions {
  /**
   * Answers a signed-in request whose sign-in is older than `maxAge` instead of the 403 error, e.g. a redirect to
   * a page that asks for the password again.
   * @default the session middleware's error response (403 JSON, code `REAUTHENTICATION_REQUIRED`)
   */
  onStale?: ((c: Context) => Response | Promise<Response>) | undefined;
  /**
   * Answers an anonymous request (or a guest) instead of the 401 error, as in {@link requireSession}.
   * @default the session middleware's error response (401 JSON)
   */
  onUnauthenticated?: ((c: Context) => Response | Promise<Response>) | undefined;
}

/**
 * Lets a request through only when the user proved who they are within `maxAge`: signed in, or called
 * `reauthenticate()` after a password check, that long ago or less. Put it on sensitive actions ("sign out
 * everywhere", changing the password or e-mail). An older sign-in gets 403 `REAUTHENTICATION_REQUIRED` (or what
 * `onStale` answers); anonymous and guest requests get what {@link requireSession} gives them (401, or 503 when
 * the session could not be loaded). Needs {@link session} before it. The check is the core's
 * `SessionManager.requireFresh(maxAge)`, which a route can also call itself.
 *
 * @param maxAge - how recent the sign-in must be: seconds, or a string such as `'10m'`, `'1h'`.
 * @throws `INVALID_CONFIG` at once when `maxAge` is not a duration.
 * @example
 * ```ts
 * app.post('/account/sign-out-everywhere', requireFresh('10m'), async (c) => {
 *   await c.get('session').logoutAll()
 *   return c.redirect('/login', 303)
 * })
 * // An HTML app sends a stale sign-in to a password prompt that calls reauthenticate():
 * app.post('/account/delete', requireFresh('5m', { onStale: (c) => c.redirect('/confirm-password', 303) }), ...)
 * ```
 */
export function requireFresh(maxAge: Duration, options: RequireFreshOptions = {}): MiddlewareHandler {
  durationToMs('maxAge', maxAge); // a typo fails when the app is built, not on the first request
  return async (c, next) => {
    const refused = await refuseUnlessSignedIn(c, 'requireFresh', options.onUnauthenticated);
    if (refused) return refused;
    try {
      managerOf(c, 'requireFresh').requireFresh(maxAge);
    } catch (error) {
      if (!SessionError.is(error, 'REAUTHENTICATION_REQUIRED')) throw error;
      if (options.onStale) return options.onStale(c);
      return responderOf(c)(error, c);
    }
    await next();
  };
}

import { SessionError, SessionManager, type SessionStore, type SessionValues } from '@sess/core';
import { configError, handlerFailed, type LoadErrorMode } from '@sess/core/adapter';
import type { Context, MiddlewareHandler } from 'hono';
import type { GetConnInfo } from 'hono/conninfo';
import { jsonErrorResponse, type SessionErrorResponder } from './error-response.js';
import { honoSessionPort } from './hono-port.js';

/**
 * Hono environment with the request's session at `c.get('session')` (and `c.var.session`).
 *
 * @typeParam D - the shape of the session's data, so `c.get('session').get('cart')` is typed.
 * @example
 * ```ts
 * type Data = { cart: string[] }
 * const app = new Hono<SessionEnv<Data>>()
 * app.use(session<Data>({ store }))
 * ```
 */
export type SessionEnv<D extends object = SessionValues> = {
  Variables: { session: SessionManager<D> };
};

/**
 * What to do when loading the session fails because the database failed (`STORE_FAILURE`): `'respond'` answers
 * with the error (503) without running the route; `'anonymous'` runs the route as an anonymous request
 * (`c.get('session').loadFailed` is true). Either way the cookie is kept.
 */
export type { LoadErrorMode };

/** Options of {@link session}. */
export interface SessionMiddlewareOptions {
  /** The store that holds the sessions (`new SessionStore(db, config, cookie)`); its config decides the cookie. */
  store: SessionStore;
  /**
   * Reads the connection's peer address, which is the client IP unless the store's `trustedProxies` say
   * otherwise. Pass the `getConnInfo` of your runtime's adapter (`hono/bun`, `hono/deno`, ...).
   * @default `getConnInfo` of `@hono/node-server/conninfo` when that package is installed; where it finds no
   * Node socket (e.g. `app.request()` without an `incoming` env) the address is unknown.
   */
  getConnInfo?: GetConnInfo | undefined;
  /**
   * Fail closed or open when the database fails while loading the session; a function decides per request
   * (e.g. by path). See {@link LoadErrorMode}.
   * @default 'respond'
   */
  onLoadError?: LoadErrorMode | ((c: Context) => LoadErrorMode) | undefined;
  /**
   * Turns a `SessionError` (from loading, from the route, from {@link requireSession} or from the write after the
   * route) into a response.
   * @default JSON `{ error: { code, message } }` with the error's status
   */
  errorResponse?: SessionErrorResponder | undefined;
}

/** The context variable holding the request's error responder, so {@link requireSession} answers like `session()`. */
const RESPONDER = 'sess:errorResponse';

/** @internal */
export function responderOf(c: Context): SessionErrorResponder {
  return ((c as Context<any>).get(RESPONDER) as SessionErrorResponder | undefined) ?? jsonErrorResponse;
}

let nodeConnInfo: Promise<GetConnInfo | null> | undefined;
/** The loaded `getConnInfo` (or `null`), once known: later requests skip the await. */
let nodeConnInfoLoaded: GetConnInfo | null | undefined;

/** `getConnInfo` of `@hono/node-server`, loaded once; `null` when the package is not installed. */
function loadNodeConnInfo(): Promise<GetConnInfo | null> {
  nodeConnInfo ??= import('@hono/node-server/conninfo').then(
    (m) => {
      nodeConnInfoLoaded = m.getConnInfo;
      return m.getConnInfo;
    },
    () => {
      nodeConnInfoLoaded = null;
      return null;
    },
  );
  return nodeConnInfo;
}

/**
 * The session middleware: loads the request's session before the route (`c.get('session')`), and after it writes
 * what the route changed (once) and sets or clears the cookie. A `SessionError` thrown by the route becomes its
 * HTTP status (401, 404, 503) without an `app.onError`.
 *
 * The write after the route is skipped when the route threw or answered 5xx.
 *
 * @typeParam D - the shape of the session's data.
 * @example
 * ```ts
 * const store = new SessionStore(db)
 * const app = new Hono<SessionEnv<{ visits: number }>>()
 * app.use(session({ store }))
 * app.post('/login', async (c) => {
 *   await c.get('session').authenticate(userId)
 *   return c.redirect('/')
 * })
 * ```
 */
export function session<D extends object = SessionValues>(
  options: SessionMiddlewareOptions,
): MiddlewareHandler<SessionEnv<D>> {
  const store = options?.store;
  if (!store || typeof store.readByToken !== 'function') {
    throw configError('store', 'must be a SessionStore, e.g. session({ store: new SessionStore(db) })');
  }
  const onLoadError = options.onLoadError ?? 'respond';
  const respond = options.errorResponse ?? jsonErrorResponse;

  return async (c, next) => {
    const getConnInfo =
      options.getConnInfo ??
      (nodeConnInfoLoaded === undefined ? await loadNodeConnInfo() : nodeConnInfoLoaded);
    let address: { value: string | undefined } | undefined;
    const remoteAddress = () => {
      address ??= { value: peerAddress(c, getConnInfo, options.getConnInfo === undefined) };
      return address.value;
    };
    const manager = new SessionManager<D>(store, honoSessionPort(c, remoteAddress));
    c.set('session', manager);
    (c as Context<any>).set(RESPONDER, respond);

    try {
      await manager.load();
    } catch (error) {
      if (!(error instanceof SessionError)) throw error;
      const mode = typeof onLoadError === 'function' ? onLoadError(c) : onLoadError;
      if (mode === 'respond') {
        c.res = await respond(error, c);
        await manager.commit({ failed: true });
        return;
      }
    }

    try {
      await next();
    } catch (error) {
      // next() rejects only when app.onError itself threw: send the cookies already due, write nothing else.
      await manager.commit({ failed: true }).catch(() => {});
      throw error;
    }
    // Hono hands a route's error to app.onError before this middleware sees it: c.error says it happened.
    const failed = handlerFailed(c.res.status, c.error !== undefined);
    if (c.error instanceof SessionError) c.res = await respond(c.error, c);
    try {
      await manager.commit({ failed });
    } catch (error) {
      // A failed write after the route: the route's answer would claim a change that was not saved.
      if (!(error instanceof SessionError)) throw error;
      c.res = await respond(error, c);
    }
  };
}

function peerAddress(c: Context, getConnInfo: GetConnInfo | null, isDefault: boolean): string | undefined {
  if (!getConnInfo) return undefined;
  if (!isDefault) return getConnInfo(c).remote.address;
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // Not served by @hono/node-server (no `incoming` socket in c.env): the address is unknown.
    return undefined;
  }
}

import {
  type Duration,
  durationToMs,
  SessionError,
  SessionManager,
  type SessionStore,
  type SessionValues,
} from '@sess/core';
import { configError, handlerFailed, type LoadErrorMode } from '@sess/core/adapter';
import { cookies, headers } from 'next/headers.js';
// Extensionless on purpose: Next.js swaps `next/navigation` for its server build by this exact specifier (the `.js`
// path resolves to the client build inside route handlers). tsconfig `paths` points TypeScript at its types.
import { unstable_rethrow } from 'next/navigation';
import { after, connection, type NextRequest, NextResponse } from 'next/server.js';
import { cache } from 'react';
import { sessionErrorResponse } from './error-response.js';
import { NextPort } from './next-ports.js';

/** What to do when loading the session fails because the database failed. */
export type { LoadErrorMode };

/** Options of {@link createSessionHandlers}. */
export interface SessionHandlersOptions {
  /**
   * The store, or a function that makes it on first use (run once and shared; a rejected attempt is retried on the
   * next request). A function keeps `next build` from opening the database and is the place to run migrations.
   *
   * @example
   * ```ts
   * store: async () => {
   *   await migrateToLatest(db)
   *   return new SessionStore(db, { trustedProxies: ['10.0.0.0/8'] })
   * }
   * ```
   */
  store: SessionStore | (() => SessionStore | Promise<SessionStore>);
  /**
   * When the database fails while loading the session: `'respond'` fails closed (route handlers answer 503 JSON,
   * server actions and `getSession()` throw the `STORE_FAILURE` error); `'anonymous'` goes on as signed out
   * with `session.loadFailed` set. `withSession` and `withSessionAction` can override it per call.
   * @default 'respond'
   */
  onLoadError?: LoadErrorMode | undefined;
}

/**
 * What `sessionProxy` asks before a page loads: the response to answer with (`NextResponse.redirect()` to the
 * sign-in page, a rewrite), or nothing to let the request through. It gets the request's session (loaded; writable,
 * so a guard may sign a user out) and runs on GET and HEAD requests only.
 *
 * @example
 * ```ts
 * (session, request) =>
 *   session.isAuthenticated ? undefined : NextResponse.redirect(new URL('/login', request.url))
 * ```
 */
export type SessionProxyGuard<D extends object = SessionValues> = (
  session: SessionManager<D>,
  request: NextRequest,
) => NextResponse | undefined | Promise<NextResponse | undefined>;

/** Per-call options of {@link SessionHandlers.withSession} and {@link SessionHandlers.withSessionAction}. */
export interface SessionCallOptions {
  /** Overrides {@link SessionHandlersOptions.onLoadError} for this handler or action. */
  onLoadError?: LoadErrorMode | undefined;
  /**
   * A sensitive handler or action (change the password, sign out everywhere): it runs only when the user signed in,
   * or called `session.reauthenticate()`, within this long (`'10m'`, or seconds); `session.requireFresh()` before
   * it. Otherwise a route handler answers 403 `REAUTHENTICATION_REQUIRED` (401 `UNAUTHENTICATED` when signed out or
   * a guest) and a server action throws that `SessionError`; neither runs the handler nor writes anything.
   */
  requireFresh?: Duration | undefined;
}

/** The context Next.js passes to a route handler: the dynamic segments' params. */
export interface RouteHandlerContext {
  params: Promise<Record<string, string | string[] | undefined>>;
}

/**
 * A route handler that gets the request's session manager on its context.
 * @typeParam D - the session data shape.
 * @typeParam C - Next's route context, e.g. `RouteContext<'/users/[id]'>`.
 */
export type SessionRouteHandler<D extends object, C> = (
  request: NextRequest,
  context: C & { session: SessionManager<D> },
) => Response | Promise<Response>;

/** The helpers for each Next.js context; made once per app by {@link createSessionHandlers}. */
export interface SessionHandlers<D extends object = SessionValues> {
  /** The store, made on first use when `store` is a function. */
  getStore(): Promise<SessionStore>;
  /**
   * Wraps a route handler: loads the session from the request, runs the handler with `context.session`, then
   * writes once (the changed data, a due touch) and puts the cookie, `Vary: Cookie` and (when a cookie is set or
   * cleared) `Cache-Control: no-store` on the response. A `SessionError` becomes a JSON response
   * `{ error: { code, message } }` with its status; a handler error or a 5xx answer writes no data and no touch.
   *
   * @example
   * ```ts
   * // app/api/me/route.ts
   * export const GET = withSession(async (_request, { session }) => {
   *   if (!session.isAuthenticated) return Response.json({ error: 'sign in' }, { status: 401 })
   *   return Response.json({ userId: session.userId })
   * })
   * ```
   */
  withSession<C = RouteHandlerContext>(
    handler: SessionRouteHandler<D, C>,
    options?: SessionCallOptions,
  ): (request: NextRequest, context: C) => Promise<Response>;
  /**
   * Wraps a server action: the action gets a writable manager as its first argument (over `cookies()` and
   * `headers()` from `next/headers`) and the session is committed when it returns, or when it ends with
   * `redirect()` / `notFound()`. Errors, `SessionError`s included, are rethrown after the commit (a thrown
   * error writes no data and no touch).
   *
   * @example
   * ```ts
   * 'use server'
   * export const signOut = withSessionAction(async (session) => {
   *   await session.logout()
   *   redirect('/login')
   * })
   * ```
   */
  withSessionAction<A extends unknown[], R>(
    action: (session: SessionManager<D>, ...args: A) => Promise<R>,
    options?: SessionCallOptions,
  ): (...args: A) => Promise<R>;
  /**
   * The read-only session view for server components (and `generateMetadata`): it reads the cookie and loads the
   * session (one query per request, deduplicated with React's `cache`), never writes to the database, never sets a
   * cookie, and so never throws because cookies cannot be set while rendering. A touch that falls due is left to
   * a context that can write (the proxy, a server action, a route handler). Throws `STORE_FAILURE` when the database
   * fails, unless `onLoadError` is `'anonymous'`.
   *
   * It awaits `cookies()`, `headers()` and `connection()` before anything else, so a prerender stops there: the route
   * is rendered per request, and nothing reads the clock or the database while Next.js prerenders. With
   * `cacheComponents` (the `create-next-app` default), call it inside a `<Suspense>` boundary, as for any request
   * data; not inside `"use cache"` (read the session outside and pass the user id in).
   *
   * @example
   * ```tsx
   * export default function Page() {
   *   return <Suspense fallback={<p>Loading…</p>}><Greeting /></Suspense>
   * }
   * async function Greeting() {
   *   const session = await getSession()
   *   return <p>{session.isAuthenticated ? `Hello ${session.userId}` : 'Signed out'}</p>
   * }
   * ```
   */
  getSession(): Promise<SessionManager<D>>;
  /**
   * Reads a flash message in a server component and consumes it: the value now, its removal from the session once
   * the response is sent (`after()` from `next/server`, one write for every key taken while rendering). Server
   * components cannot write, so `(await getSession()).takeFlash()` throws `READ_ONLY`; use this instead. In route
   * handlers and server actions, use `session.takeFlash(key)`. A removal that fails (database down) leaves the
   * flash for the next page rather than losing it. `undefined` when there is none (then nothing is written).
   *
   * @example
   * ```tsx
   * async function Notice() {
   *   const notice = await takeFlash<string>('notice') // set by an action: session.flash('notice', 'Saved.')
   *   return notice ? <p role="status">{notice}</p> : null
   * }
   * ```
   */
  takeFlash<T = unknown>(key: string): Promise<T | undefined>;
  /**
   * For `proxy.ts` (Node.js runtime): on a GET or HEAD page request that carries the session cookie, loads the
   * session and, when a touch is due, touches it and re-sends the cookie with the new `Max-Age`; a cookie that
   * names no live session is cleared. Other methods pass through untouched (server actions and route handlers
   * refresh the session themselves). A database failure passes the request through, for the page to handle.
   *
   * The second argument is the response to answer with (default `NextResponse.next()`), or a
   * {@link SessionProxyGuard} that decides it from the session, e.g. a redirect to the sign-in page. The cookie goes
   * onto that response as one plain `Set-Cookie` line; set your own cookies on it before it reaches `sessionProxy`.
   * Leave route handlers out of the matcher: they refresh the session themselves.
   *
   * @example
   * ```ts
   * // proxy.ts
   * export function proxy(request: NextRequest) {
   *   return sessionProxy(request, (session) =>
   *     session.isAuthenticated || !request.nextUrl.pathname.startsWith('/account')
   *       ? undefined
   *       : NextResponse.redirect(new URL('/login', request.url)),
   *   )
   * }
   * export const config = { matcher: ['/((?!api/|_next/static|_next/image|favicon.ico).*)'] }
   * ```
   */
  sessionProxy(request: NextRequest, then?: NextResponse | SessionProxyGuard<D>): Promise<NextResponse>;
}

/**
 * Makes the session helpers of a Next.js app around one store. Call it once in a server-only module (say
 * `lib/session.ts`) and import the helpers from there.
 *
 * @example
 * ```ts
 * // lib/session.ts
 * export const { withSession, withSessionAction, getSession, sessionProxy } = createSessionHandlers<{ visits: number }>({
 *   store: async () => {
 *     await migrateToLatest(db)
 *     return new SessionStore(db)
 *   },
 * })
 * ```
 */
export function createSessionHandlers<D extends object = SessionValues>(
  options: SessionHandlersOptions,
): SessionHandlers<D> {
  const getStore = storeResolver(options.store);
  const defaultMode = options.onLoadError ?? 'respond';

  /** Loads the session; a failure per `mode` either throws or leaves the manager anonymous. */
  async function load(manager: SessionManager<D>, mode: LoadErrorMode): Promise<void> {
    try {
      await manager.load();
    } catch (error) {
      if (mode === 'anonymous' && SessionError.is(error, 'STORE_FAILURE')) return;
      throw error;
    }
  }

  /** Sets the recorded cookies through `cookies()`, where Next can still send them (a thrown redirect). */
  async function writeThroughNextCookies(port: NextPort): Promise<void> {
    if (port.cookies.length === 0) return;
    try {
      port.applyToCookieStore(await cookies());
    } catch {
      // Outside a Next.js request scope there is nowhere left to put them.
    }
  }

  /** The `requireFresh` option's check, validated when the handler is wrapped (a bad duration fails at startup). */
  function freshGuard(callOptions: SessionCallOptions): (session: SessionManager<D>) => void {
    const maxAge = callOptions.requireFresh;
    if (maxAge === undefined) return () => undefined;
    durationToMs('requireFresh', maxAge);
    return (session) => session.requireFresh(maxAge);
  }

  function withSession<C = RouteHandlerContext>(
    handler: SessionRouteHandler<D, C>,
    callOptions: SessionCallOptions = {},
  ): (request: NextRequest, context: C) => Promise<Response> {
    const mode = callOptions.onLoadError ?? defaultMode;
    const checkFresh = freshGuard(callOptions);
    return async (request, context) => {
      // The request first: a prerender of a GET handler (`next build` with cacheComponents) stops at this read,
      // before the store factory opens the database.
      const port = NextPort.fromRequest(request);
      let store: SessionStore;
      try {
        store = await getStore();
      } catch (error) {
        if (SessionError.is(error)) return sessionErrorResponse(error);
        throw error;
      }
      const session = new SessionManager<D>(store, port);
      let response: Response;
      try {
        await load(session, mode);
        checkFresh(session);
        response = await handler(request, { ...context, session });
      } catch (error) {
        if (!SessionError.is(error)) {
          // No response: Next answers a redirect()/notFound() (a normal end) or a crash (a failed one) itself.
          const failure = await commitAfterThrow(session, error);
          if (failure) return port.applyToResponse(sessionErrorResponse(failure));
          await writeThroughNextCookies(port);
          throw error;
        }
        response = sessionErrorResponse(error);
      }
      try {
        await session.commit({ failed: handlerFailed(response.status) });
      } catch (error) {
        if (!SessionError.is(error)) throw error;
        response = sessionErrorResponse(error);
      }
      return port.applyToResponse(response);
    };
  }

  function withSessionAction<A extends unknown[], R>(
    action: (session: SessionManager<D>, ...args: A) => Promise<R>,
    callOptions: SessionCallOptions = {},
  ): (...args: A) => Promise<R> {
    const mode = callOptions.onLoadError ?? defaultMode;
    const checkFresh = freshGuard(callOptions);
    return async (...args) => {
      const [cookieStore, headerStore] = await Promise.all([cookies(), headers()]);
      const store = await getStore();
      const port = NextPort.fromNextHeaders(cookieStore, headerStore);
      const session = new SessionManager<D>(store, port);
      let result: R;
      try {
        await load(session, mode);
        checkFresh(session);
        result = await action(session, ...args);
      } catch (error) {
        const failure = await commitAfterThrow(session, error);
        port.applyToCookieStore(cookieStore);
        throw failure ?? error;
      }
      try {
        await session.commit();
      } finally {
        // What the core put through the port goes out even when the write failed (it never sends a cookie for a
        // session that was not saved).
        port.applyToCookieStore(cookieStore);
      }
      return result;
    };
  }

  /** One server-component render's request data, and the flash keys it took (see {@link takeFlash}). */
  const renderScope = cache(async (): Promise<RenderScope> => {
    // Request data first, and connection(): while Next.js prerenders, this is where it stops, before the store
    // factory opens the database and before the store's clock is read (the expiry check). cookies() and headers()
    // alone do not stop every prerender: with cacheComponents a prefetch prerenders with them resolved, and a clock
    // read there is reported on every request ("encountered the unstable value `new Date()`").
    const [cookieStore, headerStore] = await Promise.all([cookies(), headers(), connection()]);
    return { cookieStore, headerStore, flashesTaken: new Set() };
  });

  const getSession = cache(async (): Promise<SessionManager<D>> => {
    const { cookieStore, headerStore } = await renderScope();
    const store = await getStore();
    const port = NextPort.fromNextHeaders(cookieStore, headerStore);
    const session = new SessionManager<D>(store, port, { readOnly: true });
    await load(session, defaultMode);
    return session;
  });

  async function takeFlash<T = unknown>(key: string): Promise<T | undefined> {
    const session = await getSession();
    const value = session.peekFlash<T>(key);
    if (value === undefined) return undefined;
    const scope = await renderScope();
    if (scope.flashesTaken.size === 0) after(() => removeFlashes(scope));
    scope.flashesTaken.add(key);
    return value;
  }

  /**
   * After the response: removes the flashes a render showed, through a writable manager over the same request (a
   * fresh load, so a flash set or taken meanwhile by another request is respected). The response is gone, so the
   * commit writes the data change only: no touch (it would move the row's expiry past the cookie's), no cookie.
   */
  async function removeFlashes(scope: RenderScope): Promise<void> {
    const store = await getStore();
    const session = new SessionManager<D>(
      store,
      NextPort.fromNextHeaders(scope.cookieStore, scope.headerStore),
    );
    await session.load();
    let taken = false;
    for (const key of scope.flashesTaken) taken = session.takeFlash(key) !== undefined || taken;
    if (taken) await session.commit({ touch: false });
  }

  async function sessionProxy(
    request: NextRequest,
    then?: NextResponse | SessionProxyGuard<D>,
  ): Promise<NextResponse> {
    const guard = typeof then === 'function' ? then : undefined;
    const passThrough = () => (typeof then === 'function' ? undefined : then) ?? NextResponse.next();
    if (request.method !== 'GET' && request.method !== 'HEAD') return passThrough();
    let store: SessionStore;
    try {
      store = await getStore();
    } catch (error) {
      if (SessionError.is(error, 'STORE_FAILURE')) return passThrough();
      throw error;
    }
    const port = NextPort.fromRequest(request);
    // No session cookie and no guard: nothing to refresh or decide, and no query.
    if (!guard && port.getCookie(store.config.cookieName) === undefined) return passThrough();
    const session = new SessionManager<D>(store, port);
    try {
      await session.load();
    } catch (error) {
      // The page loads the session again and answers the failure its own way (fail closed); the guard is not asked.
      if (SessionError.is(error, 'STORE_FAILURE')) return passThrough();
      throw error;
    }
    let response: NextResponse | undefined;
    try {
      response = guard ? await guard(session, request) : undefined;
    } catch (error) {
      await session.commit({ failed: true }).catch(() => undefined);
      throw error;
    }
    try {
      await session.commit();
    } catch (error) {
      // A failed touch sets no cookie; the page answers with the session as it loads it.
      if (!SessionError.is(error, 'STORE_FAILURE')) throw error;
    }
    response ??= passThrough();
    port.applyToProxyResponse(response);
    return response;
  }

  return { getStore, withSession, withSessionAction, getSession, takeFlash, sessionProxy };
}

/** What a server-component render read from the request, shared by `getSession()` and `takeFlash()`. */
interface RenderScope {
  cookieStore: Awaited<ReturnType<typeof cookies>>;
  headerStore: Awaited<ReturnType<typeof headers>>;
  flashesTaken: Set<string>;
}

/**
 * Commits after a handler or action threw. Next's own control flow (`redirect()`, `notFound()`, ...) is a normal
 * end, so the session is committed, and a failed write is returned so the caller answers it instead (fail closed).
 * Any other error commits as failed (no data flush, no touch), and a failing commit is dropped in favour of that
 * error.
 */
async function commitAfterThrow(
  session: SessionManager<any>,
  thrown: unknown,
): Promise<SessionError | undefined> {
  const controlFlow = isNextControlFlow(thrown);
  try {
    await session.commit({ failed: !controlFlow });
  } catch (error) {
    if (controlFlow && SessionError.is(error)) return error;
  }
  return undefined;
}

/** True when `error` is one that Next.js throws on purpose (`redirect()`, `notFound()`, ...) to end a request. */
function isNextControlFlow(error: unknown): boolean {
  try {
    unstable_rethrow(error);
    return false;
  } catch {
    return true;
  }
}

/** Resolves the store once; a failed factory is retried on the next call and surfaces as `STORE_FAILURE`. */
function storeResolver(store: SessionHandlersOptions['store']): () => Promise<SessionStore> {
  if (typeof store !== 'function') {
    const ready = Promise.resolve(checkFingerprint(store));
    return () => ready;
  }
  let pending: Promise<SessionStore> | undefined;
  return () => {
    pending ??= (async () => checkFingerprint(await store()))().catch((error: unknown) => {
      pending = undefined;
      throw SessionError.is(error)
        ? error
        : new SessionError(
            'STORE_FAILURE',
            'createSessionHandlers(): the store factory failed; check the database.',
            {
              cause: error,
            },
          );
    });
    return pending;
  };
}

/**
 * Next.js does not pass the browser's `Accept-Encoding` through everywhere: the render that follows a server
 * action's `redirect()` is an internal fetch that sends its own ("gzip, deflate"). A fingerprint over that header
 * would differ between two requests of one browser and destroy its session, so a Next.js store must leave it out.
 */
function checkFingerprint(store: SessionStore): SessionStore {
  if (store.config.validateFingerprint && store.config.fingerprintHeaders.includes('accept-encoding')) {
    throw configError(
      'fingerprintHeaders',
      'must not include "accept-encoding" in a Next.js app (Next.js rewrites it on internal renders, which would sign users out); leave it out (the default, ["user-agent"], is right for Next.js) or set validateFingerprint: false',
    );
  }
  return store;
}

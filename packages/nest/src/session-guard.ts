import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { type Duration, SessionError, SessionStore } from '@sess/core';
import { SESSION_PUBLIC_KEY, SESSION_REQUIRE_FRESH_KEY } from './decorators.js';
import { mapSessionError } from './http-exceptions.js';
import { SESSION_MODULE_OPTIONS, type SessionModuleOptions } from './options.js';
import { isHttpRequest, openSession } from './request-session.js';

/** The HTTP request a handler runs for, and the response to write the session's headers to (if one is known). */
interface HttpTarget {
  request: unknown;
  response: unknown;
}

/** The parts of a GraphQL context (the third resolver argument) that may hold the HTTP request and response. */
interface GraphQLContext {
  req?: unknown;
  request?: unknown;
  res?: unknown;
  reply?: { request?: unknown } | null | undefined;
}

/**
 * The HTTP request behind an execution context: an HTTP route's own; for a GraphQL operation, the one in the
 * GraphQL context (args are `[root, args, context, info]`): `context.req` (what `GqlExecutionContext` reads; Nest's
 * Apollo driver puts it there), `context.request` (Apollo on Fastify) or `context.reply.request` (Mercurius), with
 * `context.res` or `context.reply` as the response. `undefined` for contexts that carry no HTTP request (`ws`,
 * `rpc`, a GraphQL subscription over WebSocket).
 */
function httpTargetOf(context: ExecutionContext): HttpTarget | undefined {
  const type = context.getType<string>();
  if (type === 'http') {
    const http = context.switchToHttp();
    return { request: http.getRequest(), response: http.getResponse() };
  }
  if (type === 'graphql') {
    const gql = context.getArgs()[2] as GraphQLContext | null | undefined;
    const request = gql?.req ?? gql?.request ?? gql?.reply?.request;
    if (!isHttpRequest(request)) return undefined;
    return { request, response: gql?.res ?? gql?.reply };
  }
  return undefined;
}

/**
 * "Must be signed in": lets a request through only when it carries a live session, else answers 401
 * (`{ "error": { "code": "UNAUTHENTICATED", ... } }`); when the session could not be loaded because the database failed, it answers 503.
 * A guest session (the `guests` option) is not signed in: 401. A refused request's response still clears a cookie
 * that named no live session. Handlers marked {@link Public} are let through.
 *
 * On a handler or controller marked `@RequireFresh(maxAge)`, it also demands a recent sign-in: a user who signed
 * in (or called `reauthenticate()`) longer than `maxAge` ago gets 403 (`REAUTHENTICATION_REQUIRED`). Such a handler
 * is checked even when it is also `@Public()`.
 *
 * It fails closed on every context type:
 * - `http` routes, and `graphql` operations whose GraphQL context holds the HTTP request (`req`, `request` or
 *   `reply.request`): checked as above.
 * - Contexts without an HTTP request (`ws` gateways, `rpc` microservice handlers, a GraphQL context without
 *   `req`): refused, since there is no cookie to read; Nest answers with the transport's own "Forbidden resource"
 *   error (`WsException`, `RpcException`, `ForbiddenException`). Set `guard: { allowNonHttp: true }` in the module
 *   options to let them through (and authenticate them yourself), or mark single handlers `@Public()`.
 *
 * Per route or controller: `@UseGuards(SessionGuard)`. For the whole app, register it as a global guard and open
 * single routes with {@link Public}:
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [SessionModule.forRoot({ db })],
 *   providers: [{ provide: APP_GUARD, useClass: SessionGuard }],
 * })
 * export class AppModule {}
 * ```
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    @Inject(SessionStore) private readonly store: SessionStore,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(SESSION_MODULE_OPTIONS) private readonly options: SessionModuleOptions,
  ) {}

  /**
   * True for `@Public()` handlers (unless `@RequireFresh()`) and signed-in requests (recently enough under
   * `@RequireFresh()`); false (Nest's "Forbidden resource") for a context without an HTTP request unless
   * `guard.allowNonHttp` is set (never under `@RequireFresh()`); otherwise throws 401, 403
   * (`REAUTHENTICATION_REQUIRED`), or 503 when the load failed.
   */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const freshWithin = this.reflector.getAllAndOverride<Duration | undefined>(
      SESSION_REQUIRE_FRESH_KEY,
      targets,
    );
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(SESSION_PUBLIC_KEY, targets);
    if (isPublic && freshWithin === undefined) return true;
    const target = httpTargetOf(context);
    // No cookie to read: no sign-in time to check either, so a fresh-sign-in handler is refused there.
    if (!target) return freshWithin === undefined && this.options.guard?.allowNonHttp === true;

    const session = await openSession(this.store, target.request);
    let refusal: SessionError | undefined = session.loadError;
    if (!refusal && !session.manager.isAuthenticated) {
      refusal = new SessionError('UNAUTHENTICATED', 'Sign in first; this request has no session.');
    }
    if (!refusal && freshWithin !== undefined) {
      try {
        session.manager.requireFresh(freshWithin);
      } catch (error) {
        if (!(error instanceof SessionError)) throw error;
        refusal = error;
      }
    }
    if (!refusal) return true;

    // The request ends here: the interceptor will not run, so commit now (clears a dead cookie, sets Vary).
    if (target.response !== undefined && target.response !== null) {
      await session.commitFailed(this.adapterHost.httpAdapter, target.response);
    }
    throw mapSessionError(refusal);
  }
}

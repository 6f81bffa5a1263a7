import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { SessionStore } from '@sess/core';
import { catchError, concatMap, from, type Observable, throwError } from 'rxjs';
import { SESSION_FAIL_OPEN_KEY } from './decorators.js';
import { mapSessionError } from './http-exceptions.js';
import { openSession } from './request-session.js';

/**
 * Commits each HTTP request's session after its handler, and turns `SessionError`s into HTTP exceptions.
 * `SessionModule` installs it globally (`APP_INTERCEPTOR`); you do not use it directly.
 *
 * - Before the handler: a request whose session could not be loaded because the database failed answers 503,
 *   with its cookie kept, unless the route is marked {@link SessionFailOpen}.
 * - After the handler returned: `commit()` writes the changed data and a due touch, then the cookie headers. A
 *   failing write answers 503 and sends no cookie for a session that was not saved.
 * - After the handler threw: `commit({ failed: true })`, so nothing is flushed or touched; the error is rethrown,
 *   a `SessionError` as its Nest HTTP exception (401, 404, 503).
 *
 * An interceptor (not a middleware) commits because only an interceptor sees whether the handler threw, and it
 * runs before the response is written. Loading happens earlier, in `SessionMiddleware`, so guards see the session.
 */
@Injectable()
export class SessionInterceptor implements NestInterceptor {
  constructor(
    @Inject(SessionStore) private readonly store: SessionStore,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  /** Answers 503 for a failed load (unless fail-open), then commits after the handler; see the class docs. */
  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const response: unknown = http.getResponse();
    const adapter = this.adapterHost.httpAdapter;
    const session = await openSession(this.store, http.getRequest());

    if (session.loadError) {
      const failOpen = this.reflector.getAllAndOverride<boolean | undefined>(SESSION_FAIL_OPEN_KEY, [
        context.getHandler(),
        context.getClass(),
      ]);
      if (!failOpen) {
        await session.commitFailed(adapter, response);
        throw mapSessionError(session.loadError);
      }
    }

    let committed = false;
    return next.handle().pipe(
      concatMap((value) => {
        if (committed) return [value];
        committed = true;
        return from(session.commit(adapter, response).then(() => value));
      }),
      catchError((error: unknown) =>
        from(session.commitFailed(adapter, response)).pipe(
          concatMap(() => throwError(() => mapSessionError(error))),
        ),
      ),
    );
  }
}

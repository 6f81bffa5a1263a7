import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { SessionStore } from '@sess/core';
import { SESSION_PUBLIC_KEY } from './decorators.js';
import { mapSessionError } from './http-exceptions.js';
import { openSession } from './request-session.js';

/**
 * "Must be signed in": lets a request through only when it carries a live session, else answers 401
 * (`UnauthorizedException`); when the session could not be loaded because the database failed, it answers 503.
 * A refused request's response still clears a cookie that named no live session.
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
  ) {}

  /** True for `@Public()` routes and signed-in requests; otherwise throws 401, or 503 when the load failed. */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(SESSION_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const http = context.switchToHttp();
    const session = await openSession(this.store, http.getRequest());
    if (!session.loadError && session.manager.isAuthenticated) return true;

    // The request ends here: the interceptor will not run, so commit now (clears a dead cookie, sets Vary).
    await session.commitFailed(this.adapterHost.httpAdapter, http.getResponse());
    if (session.loadError) throw mapSessionError(session.loadError);
    throw new UnauthorizedException('Sign in first; this request has no session.');
  }
}

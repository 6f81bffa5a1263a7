import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { SessionError, type SessionManager } from '@sess/core';
import { getSession } from './request-session.js';

/** Metadata key set by {@link Public}. */
export const SESSION_PUBLIC_KEY = 'sess:public';
/** Metadata key set by `@RequireFresh()`: the `Duration` within which the user must have signed in. */
export const SESSION_REQUIRE_FRESH_KEY = 'sess:require-fresh';
/** Metadata key set by {@link SessionFailOpen}. */
export const SESSION_FAIL_OPEN_KEY = 'sess:fail-open';

/**
 * The request's `SessionManager`, as a handler parameter. Type the parameter with your data shape to get typed
 * `get`/`set`. Data changes are written once after the handler returns, and not at all when it throws.
 *
 * @example
 * ```ts
 * @Get('me')
 * me(@Session() session: SessionManager<{ theme: string }>) {
 *   return { userId: session.userId, theme: session.get('theme') }
 * }
 * ```
 */
export const Session: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext): SessionManager => {
    const manager = getSession(context.switchToHttp().getRequest());
    if (!manager) {
      throw new SessionError(
        'NO_SESSION_CONTEXT',
        '@Session(): this request has no session; import SessionModule.forRoot() (or forRootAsync()) in the app module.',
      );
    }
    return manager;
  },
);

/**
 * Marks a controller or a route as open to anonymous requests when `SessionGuard` is installed globally.
 *
 * @example
 * ```ts
 * @Public()
 * @Post('sign-in')
 * signIn() {}
 * ```
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(SESSION_PUBLIC_KEY, true);

/**
 * Lets a controller or route run anonymously when the session cannot be loaded because the database failed,
 * instead of answering 503 (the default: fail closed). `SessionGuard` still answers 503 on such a request, since
 * it cannot tell whether the user is signed in. Use it for pages that work for everyone, such as a health check.
 */
export const SessionFailOpen = (): MethodDecorator & ClassDecorator =>
  SetMetadata(SESSION_FAIL_OPEN_KEY, true);

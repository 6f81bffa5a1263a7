import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { type Duration, durationToMs } from '@sess/core';
import { SESSION_REQUIRE_FRESH_KEY } from './decorators.js';
import { SessionGuard } from './session-guard.js';

/**
 * Guards a sensitive route or controller (changing the password, "sign out everywhere"): the user must be signed in
 * (401 `UNAUTHENTICATED` otherwise, guests included) and must have signed in, or called `reauthenticate()`, within
 * `maxAge`; an older sign-in answers 403 `REAUTHENTICATION_REQUIRED` (a `ForbiddenException`). The client then asks
 * for the password again, a route of yours checks it and calls `session.reauthenticate()`, and the client retries.
 *
 * It applies {@link SessionGuard} itself, so it works whether or not that guard is global. A route's own
 * `@RequireFresh()` overrides its controller's, and `@RequireFresh()` wins over `@Public()`: a fresh sign-in implies
 * a sign-in. A bad duration throws `INVALID_CONFIG` when the decorator is applied (at startup).
 *
 * @example
 * ```ts
 * @RequireFresh('10m')
 * @Post('password')
 * async changePassword(@Session() session: SessionManager, @Body() body: { password: string }) {}
 * ```
 */
export function RequireFresh(maxAge: Duration): MethodDecorator & ClassDecorator {
  durationToMs('@RequireFresh() maxAge', maxAge);
  return applyDecorators(SetMetadata(SESSION_REQUIRE_FRESH_KEY, maxAge), UseGuards(SessionGuard));
}

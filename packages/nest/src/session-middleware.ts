import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { SessionStore } from '@sess/core';
import { openSession } from './request-session.js';

/**
 * Loads each request's session before guards run, so that guards (`SessionGuard`, or your own with
 * `getSession()`) see it. It never fails a request: a load that failed is recorded, and the guard or the
 * interceptor answers 503 for it. `SessionModule` applies it to every route; you do not use it directly.
 */
@Injectable()
export class SessionMiddleware implements NestMiddleware {
  constructor(@Inject(SessionStore) private readonly store: SessionStore) {}

  /** Loads the request's session (at most one query), then calls `next()`. */
  async use(request: unknown, _response: unknown, next: (error?: unknown) => void): Promise<void> {
    try {
      await openSession(this.store, request);
    } catch (error) {
      next(error);
      return;
    }
    next();
  }
}

export {
  Public,
  SESSION_FAIL_OPEN_KEY,
  SESSION_PUBLIC_KEY,
  SESSION_REQUIRE_FRESH_KEY,
  Session,
  SessionFailOpen,
} from './decorators.js';
export { toHttpException } from './http-exceptions.js';
export {
  SESSION_MODULE_OPTIONS,
  type SessionCleanupOptions,
  type SessionGuardOptions,
  type SessionModuleAsyncOptions,
  type SessionModuleOptions,
} from './options.js';
export { getSession } from './request-session.js';
export { RequireFresh } from './require-fresh.js';
export { SessionCleanup } from './session-cleanup.js';
export { SessionGuard } from './session-guard.js';
export { SessionInterceptor } from './session-interceptor.js';
export { SessionMiddleware } from './session-middleware.js';
export { SessionModule } from './session-module.js';

export {
  jsonErrorResponse,
  type SessionErrorBody,
  type SessionErrorResponder,
} from './error-response.js';
export { type RequireFreshOptions, requireFresh } from './require-fresh.js';
export { type RequireSessionOptions, requireSession } from './require-session.js';
export {
  type LoadErrorMode,
  type SessionEnv,
  type SessionMiddlewareOptions,
  session,
} from './session-middleware.js';

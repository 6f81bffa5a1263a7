export {
  createSessionHandlers,
  type LoadErrorMode,
  type RouteHandlerContext,
  type SessionCallOptions,
  type SessionHandlers,
  type SessionHandlersOptions,
  type SessionProxyGuard,
  type SessionRouteHandler,
} from './create-session-handlers.js';
export { type SessionErrorBody, sessionErrorResponse } from './error-response.js';

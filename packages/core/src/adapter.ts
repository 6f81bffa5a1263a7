/**
 * `@sess/core/adapter`: the building blocks of a framework integration (what `@sess/hono`, `@sess/next` and
 * `@sess/nest` are made of). An app does not need them; write your own integration with them.
 *
 * @example
 * ```ts
 * import { type SessionPort, getCookieFromHeader, serializeCookie, mergeVary } from '@sess/core/adapter'
 * ```
 */

export { checkTableName } from './config.js';
export { signCookieValue, unsignCookieValue } from './cookie-signing.js';
export {
  getCookieFromHeader,
  getCookiesFromHeader,
  MAX_COOKIE_VALUE_LENGTH,
  serializeCookie,
} from './cookies.js';
export { configError } from './errors.js';
export {
  asSessionError,
  handlerFailed,
  type LoadErrorMode,
  mergeVary,
  type SessionErrorBody,
  sessionErrorBody,
} from './http-policy.js';
export type { CookieAttributes, SessionPort } from './session-port.js';

export {
  countingDialect,
  Fault,
  failingDialect,
  QueryCounter,
  type StatementKind,
  wrapDialect,
} from './dialect-wrappers.js';
export { FakeClock } from './fake-clock.js';
export { MemoryBrowser, MemoryPort, type MemoryRequest, type SetCookie } from './memory-port.js';
export { type ParsedSetCookie, parseSetCookie, parseSetCookies } from './set-cookie.js';

/**
 * `@sess/core/client`: how sess reads a client from a request (IP behind trusted proxies, device name,
 * fingerprint), for code that wants the same answers outside a session (an audit log, a rate limiter).
 *
 * @example
 * ```ts
 * import { buildSessionMeta, parseTrustedProxies } from '@sess/core/client'
 * const meta = buildSessionMeta({ header: (n) => req.headers.get(n) ?? undefined, remoteAddress }, parseTrustedProxies(['10.0.0.0/8']))
 * ```
 */
export {
  buildSessionMeta,
  type ClientHints,
  type ClientIpHeader,
  clientIp,
  DEFAULT_FINGERPRINT_HEADERS,
  type DeviceType,
  parseDevice,
  parseTrustedProxies,
  type RequestInfo,
  requestFingerprint,
  type SessionMeta,
  type TrustedProxies,
} from './client-meta.js';

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
  type ClientIpHeader,
  clientIp,
  parseTrustedProxies,
  type RequestInfo,
  type TrustedProxies,
} from './client-ip.js';
export { buildSessionMeta, parseDevice, type SessionMeta } from './client-meta.js';
export { DEFAULT_FINGERPRINT_HEADERS, requestFingerprint } from './fingerprint.js';
export type { ClientHints, DeviceType } from './user-agent.js';

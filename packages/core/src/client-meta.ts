import {
  type ClientIpHeader,
  clientIp,
  headerValue,
  type RequestInfo,
  type TrustedProxies,
} from './client-ip.js';
import { DEFAULT_FINGERPRINT_HEADERS, requestFingerprint } from './fingerprint.js';
import { type ClientHints, type DeviceType, parseUserAgent } from './user-agent.js';

/** Client metadata recorded with a session, built from a request's headers and socket address. */
export interface SessionMeta {
  /** Client IP address (see {@link clientIp}), or `"unknown"`. */
  ipAddress: string;
  /** The User-Agent header, truncated to 512 characters. */
  userAgent: string;
  /** What a person calls the device: `"Chrome on macOS"`, `"Safari on iPhone"`, `"curl"`, `"Unknown browser"`. */
  deviceName: string;
  /** Coarse device class. */
  deviceType: DeviceType;
  /** The client's fingerprint (see {@link requestFingerprint}): browser and OS family, not their versions. */
  fingerprint: string;
}

/** Longest stored User-Agent. */
const MAX_USER_AGENT_LENGTH = 512;

/**
 * Derives the device name (`"Chrome on iPhone"`, `"Samsung Internet on Android"`, `"curl"`, `"Unknown browser"`)
 * and the device type from a User-Agent, with the Client Hints a Chromium browser sends improving the display.
 */
export function parseDevice(
  userAgent: string,
  hints?: ClientHints,
): { deviceName: string; deviceType: DeviceType } {
  const { deviceName, deviceType } = parseUserAgent(typeof userAgent === 'string' ? userAgent : '', hints);
  return { deviceName, deviceType };
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  // Do not leave half of a surrogate pair at the end.
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/**
 * Builds the {@link SessionMeta} of a request; the stored `userAgent` is truncated to 512 characters, while the
 * device and fingerprint are computed from the full header values (a missing header counts as empty).
 */
export function buildSessionMeta(
  req: RequestInfo,
  trusted: TrustedProxies,
  fingerprintHeaders: readonly string[] = DEFAULT_FINGERPRINT_HEADERS,
  clientIpHeader: ClientIpHeader = 'x-forwarded-for',
): SessionMeta {
  const userAgent = headerValue(req, 'user-agent') ?? '';
  const { deviceName, deviceType } = parseDevice(userAgent, {
    brands: headerValue(req, 'sec-ch-ua'),
    mobile: headerValue(req, 'sec-ch-ua-mobile'),
    platform: headerValue(req, 'sec-ch-ua-platform'),
  });
  return {
    ipAddress: clientIp(req, trusted, clientIpHeader),
    userAgent: truncate(userAgent, MAX_USER_AGENT_LENGTH),
    deviceName,
    deviceType,
    fingerprint: requestFingerprint(req, fingerprintHeaders),
  };
}

import { headerValue, type RequestInfo } from './client-ip.js';
import { sha256Hex } from './crypto.js';
import { parseUserAgent } from './user-agent.js';

/** The request headers the fingerprint covers by default: the User-Agent, by browser and OS family. */
export const DEFAULT_FINGERPRINT_HEADERS: readonly string[] = Object.freeze(['user-agent']);

/** Marks the fingerprint format: `v2` then one `.`-separated part per fingerprint header. */
const FINGERPRINT_VERSION = 'v2';
/** Hex characters of SHA-256 kept per part: 44 bits, so 5 headers fit the 64-character column. */
const PART_LENGTH = 11;

/** The part of one header: empty when the request did not send it; the User-Agent by browser and OS family. */
function fingerprintPart(name: string, value: string | undefined): string {
  if (value === undefined || value === '') return '';
  let bound = value;
  if (name === 'user-agent') {
    const { browserFamily, osFamily } = parseUserAgent(value);
    bound = `${browserFamily}\u0000${osFamily}`;
  }
  return sha256Hex(`${name}\u0000${bound}`).slice(0, PART_LENGTH);
}

/**
 * The fingerprint of a request: `v2` and, per header of `headers`, 11 hex characters of the SHA-256 of what is bound
 * (the User-Agent's browser and OS family; any other header's exact value), or nothing when it was not sent.
 */
export function requestFingerprint(
  req: Pick<RequestInfo, 'header'>,
  headers: readonly string[] = DEFAULT_FINGERPRINT_HEADERS,
): string {
  let out = FINGERPRINT_VERSION;
  for (const name of headers) out += `.${fingerprintPart(name, headerValue(req, name))}`;
  return out;
}

/** What a session's fingerprint says about a request. @internal */
export type FingerprintCheck = 'match' | 'mismatch' | 'unverifiable';

/**
 * Compares the fingerprint a session was created with to a request's (both from {@link requestFingerprint} with
 * `headers`). A part that either side lacks is skipped (media requests, beacons and API clients send fewer headers),
 * except the User-Agent: a request without one cannot be checked (`unverifiable`), and a session signed in without
 * one is not opened by a client that sends one (`mismatch`). A session stored before this
 * format, or under another `fingerprintHeaders` list, is checked by the User-Agent it was created with.
 * @internal
 */
export function checkFingerprint(
  session: { fingerprint: string; userAgent: string },
  request: string,
  headers: readonly string[],
): FingerprintCheck {
  const theirs = request.split('.');
  let ours = session.fingerprint.split('.');
  if (ours[0] !== FINGERPRINT_VERSION || ours.length !== theirs.length) {
    ours = requestFingerprint(
      { header: (n) => (n === 'user-agent' ? session.userAgent : undefined) },
      headers,
    ).split('.');
  }
  let verdict: FingerprintCheck = 'match';
  for (let i = 0; i < headers.length; i++) {
    const stored = ours[i + 1] ?? '';
    const presented = theirs[i + 1] ?? '';
    if (stored === presented) continue;
    if (headers[i] === 'user-agent') {
      // Strict both ways: a session signed in without a User-Agent is not opened by a client that sends one.
      if (stored === '' || presented !== '') return 'mismatch';
      verdict = 'unverifiable';
    } else if (stored !== '' && presented !== '') {
      return 'mismatch';
    }
  }
  return verdict;
}

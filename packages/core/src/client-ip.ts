import { configError, type SessionError } from './errors.js';

/** Compiled list of trusted proxy CIDRs. */
export interface TrustedProxies {
  /** True when `ip` (any textual form {@link clientIp} accepts) lies in one of the trusted ranges. */
  contains(ip: string): boolean;
  /** Number of configured ranges; `0` means forwarding headers are never trusted. */
  readonly size: number;
}

/** Minimal request view the meta builder needs. */
export interface RequestInfo {
  /** Returns a header value by case-insensitive name (repeated headers comma-joined), or `undefined`. */
  header(name: string): string | undefined;
  /** The socket peer address, as reported by the runtime (e.g. `"::ffff:10.0.0.1"`). */
  remoteAddress?: string | undefined;
}

/** Value of `ipAddress` when no address can be determined. */
const UNKNOWN_IP = 'unknown';
/** Only the trailing part of X-Forwarded-For or Forwarded this long is examined. */
const MAX_FORWARDING_CHARS = 4096;
/** Only this many right-most X-Forwarded-For entries or Forwarded elements are examined. */
const MAX_FORWARDING_HOPS = 64;
/** Longer address strings are rejected without parsing (a bracketed IPv6 with zone and port fits easily). */
const MAX_ADDRESS_LENGTH = 100;

const PORT_SUFFIX = /^:\d{1,5}$/;
// Dotted decimal without leading zeros (as `net.isIP` reads it: "010.0.0.1" is not an address).
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_TEXT = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
/** An IPv6 zone index, as `net.isIP` accepts it after `%`. */
const ZONE = /^[0-9A-Za-z\-.:]+$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX_TEXT = /^\d{1,3}$/;
/** Forwarded (RFC 7239) syntax, matched at a position (`y`): optional whitespace, a token, a quoted string. */
const OWS_AT = /[ \t]*/y;
const TOKEN_AT = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
/** A token, or an unquoted IPv6 or address with port, which RFC 7239 forbids but some proxies send. */
const BARE_VALUE_AT = /[!#$%&'*+\-.^_`|~0-9A-Za-z:[\]]+/y;
const QUOTED_STRING_AT = /"((?:[^"\\]|\\[\s\S])*)"/y;
const QUOTED_PAIR = /\\([\s\S])/g;
const EMPTY_ELEMENT = /^[ \t]*$/;
/** An obfuscated port (RFC 7239 6.3): it hides the port, not the address. */
const OBFUSCATED_PORT = /:_[0-9A-Za-z._-]+$/;
const QUOTE = 0x22;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;

/** A parsed address: 16 bytes (IPv4 as IPv4-mapped IPv6) and its canonical text. */
interface ParsedIp {
  readonly bytes: Uint8Array;
  readonly text: string;
}

/** One compiled range with host bits cleared. */
interface Cidr {
  readonly bytes: Uint8Array;
  readonly bits: number;
}

function parseIPv4Octets(text: string): number[] | null {
  const m = IPV4_TEXT.exec(text);
  if (m === null) return null;
  const octets = [m[1], m[2], m[3], m[4]].map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

function ipv4ToBytes(octets: readonly number[]): Uint8Array {
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(octets, 12);
  return out;
}

function parseHexGroups(part: string): number[] | null {
  if (part === '') return [];
  const pieces = part.split(':');
  const words: number[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] ?? '';
    if (piece.includes('.')) {
      if (i !== pieces.length - 1) return null;
      const o = parseIPv4Octets(piece);
      if (o === null) return null;
      words.push(((o[0] ?? 0) << 8) | (o[1] ?? 0), ((o[2] ?? 0) << 8) | (o[3] ?? 0));
    } else {
      if (!HEX_GROUP.test(piece)) return null;
      words.push(Number.parseInt(piece, 16));
    }
  }
  return words;
}

/** Parses IPv6 text without zone, brackets or port; `null` when it is not one. */
function parseIPv6(text: string): Uint8Array | null {
  const gap = text.indexOf('::');
  const head = parseHexGroups(gap < 0 ? text : text.slice(0, gap));
  const tail = parseHexGroups(gap < 0 ? '' : text.slice(gap + 2));
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (gap < 0 ? missing !== 0 : missing < 0) return null;
  const words = [...head, ...new Array<number>(gap < 0 ? 0 : missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

function isIPv4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Canonical text: dotted quad for IPv4 (and IPv4-mapped IPv6), RFC 5952 form for IPv6. */
function formatIp(b: Uint8Array): string {
  if (isIPv4Mapped(b)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((b[i * 2] ?? 0) << 8) | (b[i * 2 + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * 4, 6 or 0, as `net.isIP` answers (an IPv6 address may carry a zone index), in plain JS so the core runs on every
 * runtime.
 */
function isIP(text: string): 0 | 4 | 6 {
  if (IPV4_TEXT.test(text)) return 4;
  if (!text.includes(':')) return 0;
  const zone = text.indexOf('%');
  if (zone >= 0 && !ZONE.test(text.slice(zone + 1))) return 0;
  return parseIPv6(zone < 0 ? text : text.slice(0, zone)) === null ? 0 : 6;
}

/** Parses a bare address (no brackets, port or zone); `null` when it is not an IP address. */
function parseBareIp(text: string): Uint8Array | null {
  const family = isIP(text);
  if (family === 4) {
    const octets = parseIPv4Octets(text);
    return octets === null ? null : ipv4ToBytes(octets);
  }
  if (family === 6 && !text.includes('%')) return parseIPv6(text);
  return null;
}

/**
 * Parses an address as it appears in a socket address or forwarding header: accepts `1.2.3.4`, `1.2.3.4:80`,
 * `::1`, `[::1]`, `[::1]:443` and `fe80::1%eth0`; never throws; `null` for anything else.
 */
function parseAddress(raw: string): ParsedIp | null {
  let s = raw.trim();
  if (s.length === 0 || s.length > MAX_ADDRESS_LENGTH) return null;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return null;
    const rest = s.slice(end + 1);
    if (rest !== '' && !PORT_SUFFIX.test(rest)) return null;
    s = s.slice(1, end);
    if (!s.includes(':')) return null;
  } else {
    const colon = s.indexOf(':');
    if (colon >= 0 && colon === s.lastIndexOf(':') && s.includes('.')) {
      if (!PORT_SUFFIX.test(s.slice(colon))) return null;
      s = s.slice(0, colon);
    }
  }
  if (s.includes(':')) {
    const zone = s.indexOf('%');
    if (zone >= 0) s = s.slice(0, zone);
  }
  const bytes = parseBareIp(s);
  return bytes === null ? null : { bytes, text: formatIp(bytes) };
}

function cidrContains(range: Cidr, ip: Uint8Array): boolean {
  const full = range.bits >> 3;
  for (let i = 0; i < full; i++) if (range.bytes[i] !== ip[i]) return false;
  const rem = range.bits & 7;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return (((range.bytes[full] ?? 0) ^ (ip[full] ?? 0)) & mask) === 0;
}

class CidrList implements TrustedProxies {
  readonly #ranges: readonly Cidr[];

  constructor(ranges: readonly Cidr[]) {
    this.#ranges = ranges;
  }

  get size(): number {
    return this.#ranges.length;
  }

  contains(ip: string): boolean {
    if (this.#ranges.length === 0 || typeof ip !== 'string') return false;
    const parsed = parseAddress(ip);
    if (parsed === null) return false;
    return this.#ranges.some((r) => cidrContains(r, parsed.bytes));
  }
}

function invalidEntry(entry: string, reason: string): SessionError {
  const shown = JSON.stringify(entry.length > 80 ? `${entry.slice(0, 80)}…` : entry);
  return configError('trustedProxies', `has an invalid entry ${shown}: ${reason}`);
}

function compileCidr(entry: string): Cidr {
  const text = entry.trim();
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  if (addressText.includes('%')) throw invalidEntry(entry, 'a zone index is not allowed');
  const family = isIP(addressText);
  const bytes = family === 0 ? null : parseBareIp(addressText);
  if (bytes === null) {
    throw invalidEntry(entry, 'expected an IP address or CIDR such as "10.0.0.0/8" or "::1/128"');
  }
  const maxBits = family === 4 ? 32 : 128;
  let bits = maxBits;
  if (prefixText !== undefined) {
    const prefix = PREFIX_TEXT.test(prefixText) ? Number(prefixText) : Number.NaN;
    if (!(prefix <= maxBits)) {
      throw invalidEntry(entry, `the prefix length must be a whole number from 0 to ${maxBits}`);
    }
    bits = prefix;
  }
  if (family === 4) bits += 96;
  const full = bits >> 3;
  const rem = bits & 7;
  for (let i = full; i < 16; i++) {
    bytes[i] = i === full && rem !== 0 ? (bytes[i] ?? 0) & ((0xff << (8 - rem)) & 0xff) : 0;
  }
  return { bytes, bits };
}

/**
 * Parses a CIDR list ("10.0.0.0/8", "::1/128", "192.168.1.7" = /32, IPv6, IPv4-mapped IPv6 "::ffff:10.0.0.1"
 * matches IPv4 ranges and vice versa); host bits are ignored and IPv4 is treated as `::ffff:0:0/96`.
 *
 * @throws {SessionError} `INVALID_CONFIG` naming `trustedProxies` and the bad entry.
 */
export function parseTrustedProxies(list: readonly string[]): TrustedProxies {
  if (!Array.isArray(list)) throw configError('trustedProxies', 'must be an array of CIDR strings');
  const ranges = list.map((entry: unknown, index) => {
    if (typeof entry !== 'string') {
      throw configError('trustedProxies', `entry ${index} must be a string, got ${typeof entry}`);
    }
    return compileCidr(entry);
  });
  return new CidrList(ranges);
}

/** A header's value, or `undefined` (also for a non-string a runtime may hand over). @internal */
export function headerValue(req: Pick<RequestInfo, 'header'>, name: string): string | undefined {
  const value = req.header(name);
  return typeof value === 'string' ? value : undefined;
}

/** The X-Forwarded-For entries as addresses, right-most first; `null` for an entry that is not an address. */
function* forwardedForHops(value: string | undefined): Generator<ParsedIp | null> {
  if (value === undefined) return;
  let window = value;
  if (window.length > MAX_FORWARDING_CHARS) {
    window = window.slice(-MAX_FORWARDING_CHARS);
    // The first entry of the window may be cut; drop it rather than read a shortened address.
    const comma = window.indexOf(',');
    window = comma < 0 ? '' : window.slice(comma + 1);
  }
  const entries = window.split(',');
  for (let i = entries.length - 1; i >= 0; i--) yield parseAddress(entries[i] ?? '');
}

/**
 * Splits a Forwarded value into its elements, right-most first, at the commas outside quoted strings. Reading from
 * the right, a `"` opens (from the left: closes) a quoted string, and inside one a `"` after an odd number of
 * backslashes is escaped; so the elements a proxy appended are delimited correctly whatever the client put to their
 * left (an unclosed quote, a stray backslash). The first element of a truncated value may be cut and is not returned.
 */
function* forwardedElements(value: string): Generator<string> {
  const cut = value.length > MAX_FORWARDING_CHARS;
  const text = cut ? value.slice(-MAX_FORWARDING_CHARS) : value;
  let end = text.length;
  let quoted = false;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      if (!quoted) {
        quoted = true;
        continue;
      }
      let backslashes = 0;
      while (i - backslashes > 0 && text.charCodeAt(i - backslashes - 1) === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) quoted = false;
    } else if (c === COMMA && !quoted) {
      yield text.slice(i + 1, end);
      end = i;
    }
  }
  if (!cut) yield text.slice(0, end);
}

function matchAt(pattern: RegExp, text: string, at: number): string | null {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0] ?? null;
}

/**
 * The `for` value of one Forwarded element (`;`-separated `name=value` pairs, names case-insensitive, values a token
 * or a quoted string), unquoted; `null` when the element is malformed, has no `for` or has two.
 */
function forwardedFor(element: string): string | null {
  let node: string | null = null;
  let at = 0;
  for (;;) {
    at += matchAt(OWS_AT, element, at)?.length ?? 0;
    const name = matchAt(TOKEN_AT, element, at);
    if (name !== null) {
      at += name.length;
      if (element.charCodeAt(at) !== EQUALS) return null;
      at++;
      let value: string;
      const quoted = matchAt(QUOTED_STRING_AT, element, at);
      if (quoted !== null) {
        value = quoted.slice(1, -1).replace(QUOTED_PAIR, '$1');
        at += quoted.length;
      } else {
        const bare = matchAt(BARE_VALUE_AT, element, at);
        if (bare === null) return null;
        value = bare;
        at += bare.length;
      }
      if (name.toLowerCase() === 'for') {
        if (node !== null) return null;
        node = value;
      }
      at += matchAt(OWS_AT, element, at)?.length ?? 0;
    }
    if (at === element.length) return node;
    if (element.charCodeAt(at) !== SEMICOLON) return null;
    at++;
  }
}

/**
 * The Forwarded elements' `for` addresses, right-most first; `null` for an element whose `for` is not an address
 * (`unknown`, an obfuscated `_name`, garbage) or that has none. Empty elements are skipped (RFC 9110 5.6.1).
 */
function* forwardedHops(value: string | undefined): Generator<ParsedIp | null> {
  if (value === undefined) return;
  for (const element of forwardedElements(value)) {
    if (EMPTY_ELEMENT.test(element)) continue;
    const node = forwardedFor(element);
    yield node === null || node.length > MAX_ADDRESS_LENGTH
      ? null
      : parseAddress(node.replace(OBFUSCATED_PORT, ''));
  }
}

/**
 * Walks hops given right-most first, at most {@link MAX_FORWARDING_HOPS}: the first untrusted address is the client.
 * A hop that is not an address ends the trustworthy chain, as nothing left of it can be attributed to a trusted
 * hop: the answer is then the left-most trusted hop read, or `null` when there is none.
 */
function walkHops(hops: Iterable<ParsedIp | null>, trusted: TrustedProxies): string | null {
  let lastTrusted: string | null = null;
  let read = 0;
  for (const hop of hops) {
    if (hop === null || read++ === MAX_FORWARDING_HOPS) break;
    if (!trusted.contains(hop.text)) return hop.text;
    lastTrusted = hop.text;
  }
  return lastTrusted;
}

function realIp(req: Pick<RequestInfo, 'header'>): string | null {
  const value = headerValue(req, 'x-real-ip');
  return value === undefined ? null : (parseAddress(value)?.text ?? null);
}

/**
 * The header a trusted proxy sets with the address it received the request from:
 * - `"x-forwarded-for"`: the proxy appends to X-Forwarded-For (walked from the right); X-Real-IP is read when that
 *   yields no address.
 * - `"forwarded"`: the proxy appends an element to `Forwarded` (RFC 7239), walked from the right by its `for=`.
 * - `"x-real-ip"`: the proxy sets X-Real-IP to a single address, replacing any the client sent.
 */
export type ClientIpHeader = 'x-forwarded-for' | 'forwarded' | 'x-real-ip';

/** The accepted {@link ClientIpHeader} values, for validating configuration. */
export const CLIENT_IP_HEADERS: readonly ClientIpHeader[] = Object.freeze([
  'x-forwarded-for',
  'forwarded',
  'x-real-ip',
]);

/**
 * Returns the client IP: the normalised socket address unless the socket peer is a trusted proxy, in which case only
 * `header`, the header the proxy sets, is believed: X-Forwarded-For (then X-Real-IP) or `Forwarded` walked from the
 * right skipping trusted hops, or X-Real-IP; then the socket address; `"unknown"` when nothing usable is found.
 * Headers the proxy does not set are client-controlled and never read: with the default, a `Forwarded` header is
 * ignored, and with `"forwarded"` or `"x-real-ip"` X-Forwarded-For is. A hop that is not an address (garbage,
 * `for=unknown`, an obfuscated `for=_name`) ends the walk at the last trusted hop. Only the trailing 4096 characters
 * and 64 hops of a header are read; never throws on hostile header input.
 *
 * Where the runtime gives no socket address at all (Next.js route handlers, server actions), a non-empty
 * `trustedProxies` declares that every request comes through those proxies, so the headers are walked as if the
 * peer were trusted; with no trusted proxies the headers are never believed and the answer is `"unknown"`.
 *
 * @param header - The header the trusted proxies set; any other value reads as the default. @default "x-forwarded-for"
 * @example
 * clientIp(req, parseTrustedProxies(['10.0.0.0/8']), 'forwarded'); // Forwarded: for=198.51.100.7, for=10.0.0.2 → "198.51.100.7"
 */
export function clientIp(
  req: RequestInfo,
  trusted: TrustedProxies,
  header: ClientIpHeader = 'x-forwarded-for',
): string {
  const peer = typeof req.remoteAddress === 'string' ? parseAddress(req.remoteAddress) : null;
  const socket = peer === null ? UNKNOWN_IP : peer.text;
  if (trusted.size === 0) return socket;
  if (peer !== null && !trusted.contains(peer.text)) return peer.text;
  switch (header) {
    case 'forwarded':
      return walkHops(forwardedHops(headerValue(req, 'forwarded')), trusted) ?? socket;
    case 'x-real-ip':
      return realIp(req) ?? socket;
    default:
      return (
        walkHops(forwardedForHops(headerValue(req, 'x-forwarded-for')), trusted) ?? realIp(req) ?? socket
      );
  }
}

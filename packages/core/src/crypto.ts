import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

// The hashing sess does on every request (the token hash, the fingerprint, the cookie signature) is synchronous and
// runs in every runtime. Where the runtime has Node's crypto (Node.js, Bun, Deno, Workers with nodejs_compat) it is
// found at run time, without a static `node:` import, and used: for these short inputs it is about three times
// faster than pure JS. Elsewhere (Workers without nodejs_compat, edge runtimes) @noble/hashes (audited, pure JS)
// gives the same digests. Web Crypto's `crypto.subtle` is not used: it is asynchronous and, measured on Node 20,
// about 25 times the CPU of a synchronous hash per call. Randomness comes from Web Crypto's `getRandomValues`.

/** The part of `node:crypto` sess uses. @internal */
export interface NodeCrypto {
  hash?: ((algorithm: string, data: string | Uint8Array, outputEncoding: 'hex') => string) | undefined;
  createHash(algorithm: string): { update(data: string | Uint8Array): { digest(encoding: 'hex'): string } };
  createHmac(
    algorithm: string,
    key: string,
  ): { update(data: string): { digest(encoding: 'base64url'): string } };
}

/** Node's crypto when the runtime has it (`process.getBuiltinModule`: Node 20.16+, Bun, Deno), else `undefined`. */
function findNodeCrypto(): NodeCrypto | undefined {
  const runtime = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  try {
    return runtime.process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
  } catch {
    return undefined; // Next.js's edge runtime defines it and throws
  }
}

/** The hash functions over Node's crypto when given, else over @noble/hashes. @internal */
export function makeHashing(node: NodeCrypto | undefined) {
  if (node) {
    const { hash } = node;
    return {
      sha256Hex: hash
        ? (data: string | Uint8Array) => hash('sha256', data, 'hex')
        : (data: string | Uint8Array) => node.createHash('sha256').update(data).digest('hex'),
      hmacSha256Base64url: (secret: string, value: string) =>
        node.createHmac('sha256', secret).update(value).digest('base64url'),
    };
  }
  return {
    sha256Hex: (data: string | Uint8Array) => toHex(sha256(typeof data === 'string' ? utf8(data) : data)),
    hmacSha256Base64url: (secret: string, value: string) =>
      base64url(hmac(sha256, utf8(secret), utf8(value))),
  };
}

const hashing = makeHashing(findNodeCrypto());

const encoder = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `text` as UTF-8 bytes. @internal */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The length of `text` in UTF-8 bytes, without encoding it (a lone surrogate counts as U+FFFD: 3 bytes). @internal */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** Lowercase hex of `bytes`. @internal */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b];
  return out;
}

/** The bytes of an even-length lowercase or uppercase hex string (the caller has checked it). @internal */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++)
    out[i] = (nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1));
  return out;
}

function nibble(code: number): number {
  return code <= 57 ? code - 48 : (code | 32) - 87;
}

/** `n` bytes from the runtime's CSPRNG (Web Crypto `getRandomValues`). @internal */
export function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/** Lowercase hex SHA-256 of `data` (strings as UTF-8). @internal */
export const sha256Hex: (data: string | Uint8Array) => string = hashing.sha256Hex;

/** HMAC-SHA256 of `value` under `secret` (both UTF-8), base64url without padding. @internal */
export const hmacSha256Base64url: (secret: string, value: string) => string = hashing.hmacSha256Base64url;

/** Compares two strings in time that depends on their length only, not on where they differ. @internal */
export function timingSafeEqualText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

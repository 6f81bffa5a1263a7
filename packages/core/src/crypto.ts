import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

// The hashing sess does on every request (the token hash, the fingerprint, the cookie signature) is synchronous and
// runs in every runtime (Node, Bun, Deno, Cloudflare Workers, edge): @noble/hashes (audited, pure JS). Web Crypto's
// `crypto.subtle` is asynchronous and, measured on Node 20, about 25 times the CPU of a synchronous hash per call;
// randomness comes from Web Crypto's `crypto.getRandomValues`, which every runtime has.

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

/** The bytes of an even-length hex string (the caller has checked it). @internal */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** `n` bytes from the runtime's CSPRNG (Web Crypto `getRandomValues`). @internal */
export function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/** Lowercase hex SHA-256 of `data` (strings as UTF-8). @internal */
export function sha256Hex(data: string | Uint8Array): string {
  return toHex(sha256(typeof data === 'string' ? utf8(data) : data));
}

/** HMAC-SHA256 of `value` under `secret` (both UTF-8), base64url without padding. @internal */
export function hmacSha256Base64url(secret: string, value: string): string {
  return base64url(hmac(sha256, utf8(secret), utf8(value)));
}

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

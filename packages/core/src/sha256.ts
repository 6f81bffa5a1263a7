import * as crypto from 'node:crypto';

type OneShot = (algorithm: string, data: string | Buffer, outputEncoding: 'hex') => string;

/** A SHA-256 hex function over `oneShot`, or over `createHash` when it is missing. @internal */
export function makeSha256Hex(oneShot: OneShot | undefined): (data: string | Buffer) => string {
  if (oneShot) return (data) => oneShot('sha256', data, 'hex');
  return (data) => crypto.createHash('sha256').update(data).digest('hex');
}

/**
 * Lowercase hex SHA-256 of `data` (strings as UTF-8), with the one-shot `crypto.hash` (Node 20.12+), about three
 * times faster than `createHash()…digest()` for short inputs: the token hash and the fingerprint run on every
 * authenticated request. Older Node 20 releases fall back to `createHash`. @internal
 */
export const sha256Hex = makeSha256Hex((crypto as { hash?: OneShot }).hash);

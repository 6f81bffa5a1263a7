import * as crypto from 'node:crypto';

/**
 * One-shot `crypto.hash` (Node 20.12+), about three times faster than `createHash()…digest()` for short inputs: the
 * token hash and the fingerprint run on every authenticated request. Older Node 20 releases fall back.
 */
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;

/** Lowercase hex SHA-256 of `data` (strings as UTF-8). @internal */
export function sha256Hex(data: string | Buffer): string {
  return oneShot ? oneShot('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');
}

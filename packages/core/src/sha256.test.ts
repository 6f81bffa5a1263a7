import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeSha256Hex, sha256Hex } from './sha256.js';

describe('sha256Hex', () => {
  const reference = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

  it.each([
    ['an empty string', ''],
    ['ASCII', 'Mozilla/5.0\u0000en\u0000gzip'],
    ['non-ASCII as UTF-8', 'é\u0000ü\u0000✓ 🎉'],
    ['raw bytes', Buffer.from('00ff10'.repeat(10), 'hex')],
  ])('matches createHash on %s', (_name, data) => {
    expect(sha256Hex(data)).toBe(reference(data));
    expect(sha256Hex(data)).toMatch(/^[0-9a-f]{64}$/);
    // Node < 20.12 has no crypto.hash: the fallback gives the same digest.
    expect(makeSha256Hex(undefined)(data)).toBe(reference(data));
  });
});

import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  fromHex,
  hmacSha256Base64url,
  randomBytes,
  sha256Hex,
  timingSafeEqualText,
  toHex,
  utf8Length,
} from './crypto.js';

// The portable hashing must give exactly what node:crypto gives: stored token hashes, fingerprints and signed
// cookies written before it must still match.
describe('portable crypto', () => {
  const texts = ['', 'Mozilla/5.0\u0000en\u0000gzip', 'é\u0000ü\u0000✓ 🎉', 'a'.repeat(1000)];

  it.each(texts)('sha256Hex matches node:crypto on %j', (text) => {
    expect(sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('sha256Hex of raw bytes matches node:crypto (the token hash)', () => {
    const hex = '00ff10'.repeat(10) + 'ab';
    expect(sha256Hex(fromHex(hex))).toBe(createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex'));
  });

  it.each(texts)('hmacSha256Base64url matches node:crypto on %j', (text) => {
    const secret = 'a-very-long-secret-of-at-least-32-bytes-ü';
    expect(hmacSha256Base64url(secret, text)).toBe(
      createHmac('sha256', secret).update(text).digest('base64url'),
    );
  });

  it('round-trips hex and draws fresh random bytes', () => {
    const a = randomBytes(32);
    expect(fromHex(toHex(a))).toEqual(a);
    expect(toHex(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(toHex(randomBytes(32))).not.toBe(toHex(a));
  });

  it.each([...texts, '\ud800 lone', 'x\udfff', '\ud83d\ude00'])(
    'utf8Length matches Buffer.byteLength on %j',
    (text) => {
      expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
    },
  );

  it('compares strings without an early exit, and only equal strings are equal', () => {
    expect(timingSafeEqualText('abc', 'abc')).toBe(true);
    expect(timingSafeEqualText('abc', 'abd')).toBe(false);
    expect(timingSafeEqualText('abc', 'abcd')).toBe(false);
  });
});

import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  fromHex,
  hmacSha256Base64url,
  makeHashing,
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

  // Both ways: over Node's crypto (found at run time where the runtime has it) and over @noble/hashes (Workers without
  // nodejs_compat, edge runtimes), and what the module picked here.
  const ways = {
    'pure JS (@noble/hashes)': makeHashing(undefined),
    "Node's crypto.hash": makeHashing(nodeCrypto),
    "Node's createHash (Node < 20.12)": makeHashing({ ...nodeCrypto, hash: undefined }),
    'the module default': { sha256Hex, hmacSha256Base64url },
  };

  describe.each(Object.entries(ways))('%s', (_name, way) => {
    it.each(texts)('sha256Hex matches node:crypto on %j', (text) => {
      expect(way.sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
    });

    it('sha256Hex of raw bytes matches node:crypto', () => {
      const bytes = fromHex('00ff10ABcd'.repeat(6));
      expect(way.sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    });

    it('hmacSha256Base64url matches node:crypto', () => {
      const secret = 'a-very-long-secret-of-at-least-32-bytes-ü';
      for (const text of texts) {
        expect(way.hmacSha256Base64url(secret, text)).toBe(
          createHmac('sha256', secret).update(text).digest('base64url'),
        );
      }
    });
  });

  it('fromHex reads hex as Buffer.from does, either case (the token hash hashes these bytes)', () => {
    const hex = '00ff10ABcd'.repeat(6);
    expect(fromHex(hex)).toEqual(new Uint8Array(Buffer.from(hex, 'hex')));
    expect(sha256Hex(fromHex(hex))).toBe(createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex'));
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

import { createHmac, timingSafeEqual } from 'node:crypto';

/** `<value>.<HMAC-SHA256(secret, value) base64url>` with the newest secret. */
export function signCookieValue(value: string, secret: string): string {
  return `${value}.${mac(value, secret)}`;
}

/**
 * Verifies a signed cookie value against each secret (newest first) and returns the unsigned value,
 * or `null` when no secret verifies it or the signature is missing.
 */
export function unsignCookieValue(signed: string, secrets: readonly string[]): string | null {
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return null;
  const value = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1), 'utf8');
  for (const secret of secrets) {
    const expected = Buffer.from(mac(value, secret), 'utf8');
    if (expected.length === given.length && timingSafeEqual(expected, given)) return value;
  }
  return null;
}

function mac(value: string, secret: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url');
}

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
  return verifyCookieValue(signed, secrets)?.value ?? null;
}

/**
 * Like {@link unsignCookieValue}, and says which secret verified it (`0` is the newest), so a cookie signed with an
 * older one can be signed again with the newest. @internal
 */
export function verifyCookieValue(
  signed: string,
  secrets: readonly string[],
): { value: string; secretIndex: number } | null {
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return null;
  const value = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1), 'utf8');
  for (let i = 0; i < secrets.length; i++) {
    const expected = Buffer.from(mac(value, secrets[i] as string), 'utf8');
    if (expected.length === given.length && timingSafeEqual(expected, given))
      return { value, secretIndex: i };
  }
  return null;
}

function mac(value: string, secret: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url');
}

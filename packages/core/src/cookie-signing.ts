import { hmacSha256Base64url, timingSafeEqualText } from './crypto.js';

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
  const given = signed.slice(dot + 1);
  for (let i = 0; i < secrets.length; i++) {
    if (timingSafeEqualText(mac(value, secrets[i] as string), given)) return { value, secretIndex: i };
  }
  return null;
}

function mac(value: string, secret: string): string {
  return hmacSha256Base64url(secret, value);
}

import { fromHex, randomBytes, sha256Hex, toHex } from './crypto.js';

const HEX64 = /^[0-9a-fA-F]{64}$/;
const REDACTED = '****';

/**
 * The secret bearer token of a session: 32 bytes from a CSPRNG, carried in the cookie as 64 lowercase hex chars.
 * It never prints its value: `String(token)`, `JSON.stringify(token)` and `util.inspect(token)` show `****`.
 * Call {@link SessionToken.expose} where the hex is really needed (the cookie).
 */
export class SessionToken {
  readonly #hex: string;

  private constructor(hex: string) {
    this.#hex = hex;
  }

  /** A new random token (Web Crypto `getRandomValues`). */
  static generate(): SessionToken {
    return new SessionToken(toHex(randomBytes(32)));
  }

  /** Parses 64 hex chars (either case) into a token; anything else gives `null`, never an exception. */
  static parse(text: unknown): SessionToken | null {
    if (typeof text !== 'string' || !HEX64.test(text)) return null;
    return new SessionToken(text.toLowerCase());
  }

  /** The token as 64 lowercase hex chars, for the cookie. */
  expose(): string {
    return this.#hex;
  }

  /** SHA-256 of the token's 32 raw bytes, lowercase hex: the only form ever stored. */
  hash(): string {
    return hashToken(this.#hex);
  }

  /** Constant-shape equality on the hex value. */
  equals(other: SessionToken): boolean {
    return this.#hex === other.#hex;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SessionToken(${REDACTED})`;
  }

  get [Symbol.toStringTag](): string {
    return 'SessionToken';
  }
}

/** SHA-256 hex of a token's raw bytes, given its hex form. @internal */
export function hashToken(hex: string): string {
  return sha256Hex(fromHex(hex));
}

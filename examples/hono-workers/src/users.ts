/**
 * The demo users, the same two as the Node demo's. Workers have no `node:crypto` scrypt without nodejs_compat, so
 * the passwords are PBKDF2-SHA-256 hashes checked with Web Crypto (`pbkdf2-sha256$iterations$salt$hash`, base64url;
 * 100,000 iterations is the most workerd allows).
 */
export interface DemoUser {
  id: string;
  name: string;
  passwordHash: string;
}

export const DEMO_USERS: readonly DemoUser[] = [
  {
    id: 'alice',
    name: 'Alice',
    passwordHash: 'pbkdf2-sha256$100000$ONbwcekod2_dKBtHZ3m0-w$LAhpkD46JXIoUGElaU6LXcn_ijBxJVEv44a_LLl9IVY',
  },
  {
    id: 'bob',
    name: 'Bob',
    passwordHash: 'pbkdf2-sha256$100000$tLeUIZpaSbZDrGK2gPzRyg$vhe5S4a-m_T1SwV76haZyTXiraa0-BjIP_YJ4SlIeBw',
  },
];

/** The demo passwords by user id, shown on the sign-in page. A real app would never know them. */
export const DEMO_PASSWORDS: Readonly<Record<string, string>> = { alice: 'wonderland', bob: 'builder' };

/** A hash nothing matches, checked for unknown users so that a miss takes as long as a wrong password. */
const NO_USER_HASH =
  'pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export function findUser(id: string): DemoUser | undefined {
  return DEMO_USERS.find((u) => u.id === id);
}

/** Checks a username (trimmed, case-insensitive) and password; resolves the user or `null`, in the same time. */
export async function verifyCredentials(username: string, password: string): Promise<DemoUser | null> {
  const user = findUser(username.trim().toLowerCase());
  const [scheme, iterations, salt, hash] = (user?.passwordHash ?? NO_USER_HASH).split('$');
  if (scheme !== 'pbkdf2-sha256' || !salt || !hash) return null;
  const expected = fromBase64url(hash);
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: fromBase64url(salt), iterations: Number(iterations) },
    key,
    expected.length * 8,
  );
  const actual = new Uint8Array(bits);
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= (actual[i] ?? 0) ^ (expected[i] ?? 0);
  return diff === 0 && user ? user : null;
}

function fromBase64url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

import { scrypt, timingSafeEqual } from 'node:crypto';

/** A demo user. Passwords are stored as scrypt hashes: `scrypt$N$r$p$salt$hash` (base64url). */
export interface DemoUser {
  id: string;
  name: string;
  passwordHash: string;
}

/** The demo users of every sess demo; their passwords are in {@link DEMO_PASSWORDS}. */
export const DEMO_USERS: readonly DemoUser[] = [
  {
    id: 'alice',
    name: 'Alice',
    passwordHash: 'scrypt$16384$8$1$Ptp91y_V5Dfs2nYCXSDAnA$fXn5m0Nk5Ul5Pb1C9rwVhX2vluR31DCB-7qnyMDjEPI',
  },
  {
    id: 'bob',
    name: 'Bob',
    passwordHash: 'scrypt$16384$8$1$aylqICuWQLfCeUY0P7ZZfA$QjdsdXNXmfloZzXJ3_y7W-9dD9Ny6BG4eo2NGNqZfFI',
  },
];

/** The demo passwords by user id, shown on the sign-in pages. A real app would never know them. */
export const DEMO_PASSWORDS: Readonly<Record<string, string>> = { alice: 'wonderland', bob: 'builder' };

/** A hash that no password matches, checked for unknown users so that a miss takes as long as a wrong password. */
const NO_USER_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** The demo user by id, or `undefined`. */
export function findUser(id: string): DemoUser | undefined {
  return DEMO_USERS.find((u) => u.id === id);
}

/**
 * Checks a username (trimmed, case-insensitive) and password against the demo users; resolves the user, or `null`
 * for an unknown user or a wrong password, in the same time either way.
 */
export async function verifyCredentials(username: string, password: string): Promise<DemoUser | null> {
  const user = findUser(username.trim().toLowerCase());
  const ok = await verifyPassword(password, user?.passwordHash);
  return ok && user ? user : null;
}

/**
 * True when `password` matches an `scrypt$N$r$p$salt$hash` string. With no hash (an unknown user) it spends the
 * same time on a hash that nothing matches and resolves `false`, so the answer does not tell which users exist.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = (stored ?? NO_USER_HASH).split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await new Promise<Buffer>((resolve, reject) => {
    scrypt(
      password,
      Buffer.from(salt, 'base64url'),
      expected.length,
      { N: Number(n), r: Number(r), p: Number(p) },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
  return timingSafeEqual(actual, expected) && stored !== undefined;
}

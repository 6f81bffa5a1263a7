import { scrypt, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/** A demo user. Passwords are stored as scrypt hashes: `scrypt$N$r$p$salt$hash` (base64url). */
export interface User {
  id: string;
  name: string;
  passwordHash: string;
}

/** The seeded demo users (the same as in the other sess demos): alice / wonderland and bob / builder. */
const USERS: readonly User[] = [
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

/** Checked for unknown users, so that a miss takes as long as a wrong password. No password matches it. */
const NO_USER_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** The demo's user directory. A real app would keep users in its database; sessions only store the user id. */
@Injectable()
export class UsersService {
  /** The user by id, or `undefined`. */
  find(id: string): User | undefined {
    return USERS.find((u) => u.id === id);
  }

  /** Resolves the user for a username and password, or `null` (unknown user or wrong password alike). */
  async verify(username: string, password: string): Promise<User | null> {
    const user = this.find(username.trim().toLowerCase());
    const ok = await verifyPassword(password, user?.passwordHash ?? NO_USER_HASH);
    return ok && user ? user : null;
  }
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
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
  return timingSafeEqual(actual, expected);
}

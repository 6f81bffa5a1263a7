import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORDS, DEMO_USERS, findUser, verifyCredentials, verifyPassword } from '../src/index.js';

describe('demo users', () => {
  it('signs in every demo user with the password the sign-in pages show, and no one with a wrong one', async () => {
    for (const user of DEMO_USERS) {
      const password = DEMO_PASSWORDS[user.id] as string;
      expect(await verifyCredentials(user.id, password)).toMatchObject({ id: user.id });
      expect(await verifyCredentials(` ${user.id.toUpperCase()} `, password)).toMatchObject({ id: user.id });
      expect(await verifyCredentials(user.id, `${password}x`)).toBeNull();
    }
    expect(await verifyCredentials('mallory', 'wonderland')).toBeNull();
  });

  it('stores scrypt hashes, never the passwords', async () => {
    for (const user of DEMO_USERS) {
      expect(user.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
      expect(user.passwordHash).not.toContain(DEMO_PASSWORDS[user.id] as string);
      expect(await verifyPassword(DEMO_PASSWORDS[user.id] as string, user.passwordHash)).toBe(true);
    }
  });

  it('answers false for an unknown user (no hash) after the same scrypt work, and for a malformed hash', async () => {
    const started = performance.now();
    expect(await verifyPassword('wonderland', undefined)).toBe(false);
    const miss = performance.now() - started;
    const alice = findUser('alice')?.passwordHash as string;
    const again = performance.now();
    expect(await verifyPassword('wrong', alice)).toBe(false);
    const wrong = performance.now() - again;
    // The same scrypt work either way (a skipped hash would take microseconds; timing on a busy machine is noisy).
    expect(miss).toBeGreaterThan(wrong / 10);
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
  });
});

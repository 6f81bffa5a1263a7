import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** The seeded demo accounts: the login page lists them. */
export const DEMO_USERS = [
  { id: 'alice', name: 'Alice', password: 'wonderland' },
  { id: 'bob', name: 'Bob', password: 'builder' },
] as const;

const USERS_TABLE = 'demo_users';

/** `scrypt$<salt hex>$<hash hex>` of a password. */
async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32);
  return `scrypt$${salt.toString('hex')}$${hash.toString('hex')}`;
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, saltHex, hashHex] = stored.split('$');
  if (scheme !== 'scrypt' || !saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, 'hex');
  const actual = await scryptAsync(password, Buffer.from(saltHex, 'hex'), expected.length);
  return timingSafeEqual(actual, expected);
}

/** Creates the users table and seeds the demo users (idempotent; safe when several instances start at once). */
export async function seedUsers(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable(USERS_TABLE)
    .ifNotExists()
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(128)', (c) => c.notNull())
    .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
    .execute();
  for (const user of DEMO_USERS) {
    const existing = await db
      .selectFrom(USERS_TABLE)
      .select('id')
      .where('id', '=', user.id)
      .executeTakeFirst();
    if (existing) continue;
    const row = { id: user.id, name: user.name, password_hash: await hashPassword(user.password) };
    // Another instance may have seeded the same user meanwhile: a duplicate key is fine.
    await db
      .insertInto(USERS_TABLE)
      .values(row)
      .execute()
      .catch(async (error: unknown) => {
        const now = await db
          .selectFrom(USERS_TABLE)
          .select('id')
          .where('id', '=', user.id)
          .executeTakeFirst();
        if (!now) throw error;
      });
  }
}

/** The user's id and name when the password matches, else `null`. */
export async function checkPassword(
  db: Kysely<any>,
  userId: string,
  password: string,
): Promise<{ id: string; name: string } | null> {
  const row = await db
    .selectFrom(USERS_TABLE)
    .select(['id', 'name', 'password_hash'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!row) {
    // Spend the same time as a real check, so the answer does not tell which user ids exist.
    await verifyPassword(password, `scrypt$${'00'.repeat(16)}$${'00'.repeat(32)}`);
    return null;
  }
  return (await verifyPassword(password, row.password_hash)) ? { id: row.id, name: row.name } : null;
}

/** The display name of a user id. */
export async function userName(db: Kysely<any>, userId: string): Promise<string> {
  const row = await db.selectFrom(USERS_TABLE).select('name').where('id', '=', userId).executeTakeFirst();
  return row?.name ?? userId;
}

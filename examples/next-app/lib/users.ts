import { DEMO_USERS, verifyPassword } from '@sess/demo-kit';
import type { Kysely } from 'kysely';

const USERS_TABLE = 'demo_users';

/**
 * Creates the users table and stores the demo users with their scrypt hashes (idempotent; safe when several
 * instances start at once; a stored hash that differs is replaced).
 */
export async function seedUsers(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable(USERS_TABLE)
    .ifNotExists()
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(128)', (c) => c.notNull())
    .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
    .execute();
  const stored = async (id: string) =>
    db.selectFrom(USERS_TABLE).select('password_hash').where('id', '=', id).executeTakeFirst();
  for (const user of DEMO_USERS) {
    const existing = await stored(user.id);
    if (existing?.password_hash === user.passwordHash) continue;
    if (existing) {
      await db
        .updateTable(USERS_TABLE)
        .set({ name: user.name, password_hash: user.passwordHash })
        .where('id', '=', user.id)
        .execute();
      continue;
    }
    // Another instance may have seeded the same user meanwhile: a duplicate key is fine.
    await db
      .insertInto(USERS_TABLE)
      .values({ id: user.id, name: user.name, password_hash: user.passwordHash })
      .execute()
      .catch(async (error: unknown) => {
        if (!(await stored(user.id))) throw error;
      });
  }
}

/**
 * The user's id and name when the password matches, else `null`. An unknown user id costs the same scrypt work
 * as a wrong password, so the answer does not tell which user ids exist.
 */
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
  const ok = await verifyPassword(password, row?.password_hash);
  return ok && row ? { id: row.id, name: row.name } : null;
}

/** The display name of a user id. */
export async function userName(db: Kysely<any>, userId: string): Promise<string> {
  const row = await db.selectFrom(USERS_TABLE).select('name').where('id', '=', userId).executeTakeFirst();
  return row?.name ?? userId;
}

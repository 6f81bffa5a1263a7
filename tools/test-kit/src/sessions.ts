import { type SessionMeta, SessionStore } from '@sess/core';
import type { Kysely } from 'kysely';

/** The client metadata of sessions a test creates without a request. */
export const TEST_META: SessionMeta = {
  ipAddress: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (test)',
  deviceName: 'Firefox on Linux',
  deviceType: 'desktop',
  fingerprint: 'f'.repeat(64),
};

const DAY = 86_400_000;

/**
 * Creates `count` sessions as an app did 40 days ago, with sess's default 30-day ttl: expired now. User ids come
 * from `userId(i)` (default `user-<i>`).
 */
export async function seedExpiredSessions(
  db: Kysely<any>,
  options: { tableName?: string | undefined; count: number; userId?: ((i: number) => string) | undefined },
): Promise<void> {
  const past = new SessionStore(db, {
    tableName: options.tableName,
    now: () => new Date(Date.now() - 40 * DAY),
    maxSessionsPerUser: 1000,
  });
  for (let i = 0; i < options.count; i++) await past.create(TEST_META, options.userId?.(i) ?? `user-${i}`);
}

/** Sessions in a table that are live (expiring later than now) or expired (now or earlier). */
export async function countSessions(
  db: Kysely<any>,
  tableName: string,
  which: 'live' | 'expired',
): Promise<number> {
  const row = await db
    .selectFrom(tableName)
    .select((eb) => eb.fn.countAll().as('n'))
    .where('expires_at', which === 'live' ? '>' : '<=', Date.now())
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

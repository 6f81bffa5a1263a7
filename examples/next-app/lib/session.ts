import { migrateToLatest, SessionStore } from '@sess/core';
import { createSessionHandlers } from '@sess/next';
import type { Kysely } from 'kysely';
import { openDatabase } from './database';
import { seedUsers } from './users';

/** What the demo keeps in a session. */
export interface DemoData {
  visits: number;
}

interface App {
  db: Kysely<any>;
  store: SessionStore;
}

// Next.js bundles the proxy, the pages, the actions and the route handlers separately, and reloads modules in
// development: keep one database and one store per process on globalThis.
const shared = globalThis as typeof globalThis & { __sessNextDemo?: Promise<App> | undefined };

/** The app's database and session store, opened, migrated and seeded once per process on first use. */
export function app(): Promise<App> {
  shared.__sessNextDemo ??= (async () => {
    const db = openDatabase();
    const tableName = process.env.SESS_TABLE || undefined;
    await migrateToLatest(db, { tableName });
    await seedUsers(db);
    const secret = process.env.SESSION_SECRET || undefined;
    const store = new SessionStore(
      db,
      {
        tableName,
        // Next.js rewrites Accept-Encoding on its internal renders: fingerprint User-Agent and Accept-Language only
        // (apps that share this table must use the same list; SESS_FINGERPRINT_HEADERS sets it in every demo).
        fingerprintHeaders: process.env.SESS_FINGERPRINT_HEADERS?.split(',')
          .map((h) => h.trim())
          .filter(Boolean) ?? ['user-agent', 'accept-language'],
        ttl: '30d',
        touchInterval: '5m',
        maxSessionsPerUser: 5,
        // Behind a reverse proxy, list it here so the devices page shows client IPs (else they are "unknown").
        trustedProxies: (process.env.TRUSTED_PROXIES ?? '').split(',').filter(Boolean),
      },
      { secret },
    );
    return { db, store };
  })().catch((error: unknown) => {
    shared.__sessNextDemo = undefined;
    throw error;
  });
  return shared.__sessNextDemo;
}

export const { withSession, withSessionAction, getSession, sessionProxy } = createSessionHandlers<DemoData>({
  store: async () => (await app()).store,
});

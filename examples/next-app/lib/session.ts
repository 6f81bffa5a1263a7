import { resolve } from 'node:path';
import { migrateToLatest, type SessionEvent, SessionStore } from '@sess/core';
import { openDatabase, readSessionSettings } from '@sess/demo-kit';
import { createSessionHandlers } from '@sess/next';
import type { Kysely } from 'kysely';
import { seedUsers } from './users';

/** The default database: a SQLite file next to where the app runs (`DATABASE_URL` names another). */
export const DEFAULT_SQLITE_FILE = '.data/sess-demo.sqlite';

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
    // A PostgreSQL connection that drops is logged and answered with 503 until it is back; it never ends the process.
    const { db } = openDatabase(process.env.DATABASE_URL, { sqlitePath: resolve(DEFAULT_SQLITE_FILE) });
    const { tableName, secret, fingerprintHeaders } = readSessionSettings();
    await migrateToLatest(db, { tableName });
    await seedUsers(db);
    const store = new SessionStore(
      db,
      {
        tableName,
        // The default fingerprint (browser and OS family) suits Next.js; SESS_FINGERPRINT_HEADERS sets another list in
        // every demo (apps that share this table should use the same one).
        fingerprintHeaders,
        ttl: '30d',
        touchInterval: '5m',
        // Sessions before sign-in: here they carry the "signed out everywhere" flash message to the sign-in page.
        // No row is written until something is set.
        guests: true,
        // "Keep me signed in" unticked: the row lives 1 day idle (and the cookie until the browser closes).
        browserSessionTtl: '1d',
        maxSessionsPerUser: 5,
        // SESS_LOG_EVENTS=1 prints one line per session event (sign-ins, sign-outs, rejected cookies): an audit trail.
        onEvent: process.env.SESS_LOG_EVENTS === '1' ? logSessionEvent : undefined,
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

/** One line per session event; never the token (events do not carry it). */
function logSessionEvent(event: SessionEvent): void {
  if (event.type === 'store_failure') {
    console.error(`[sess] ${event.at.toISOString()} store_failure ${event.operation}: ${event.message}`);
    return;
  }
  const why = 'reason' in event ? ` (${event.reason})` : '';
  const device = event.meta ? ` ${event.meta.deviceName}` : '';
  console.log(
    `[sess] ${event.at.toISOString()} ${event.type}${why} session=${event.sessionId ?? '-'} user=${event.userId ?? '-'}${device}`,
  );
}

export const { withSession, withSessionAction, getSession, takeFlash, sessionProxy } =
  createSessionHandlers<DemoData>({
    store: async () => (await app()).store,
  });

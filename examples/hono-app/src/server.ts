import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { migrateToLatest, startCleanup } from '@sess/core';
import { type ListenSettings, openDatabase, readListenSettings, readSessionSettings } from '@sess/demo-kit';
import { createApp } from './app.js';
import { clockFromFile } from './clock.js';
import { DEFAULT_SQLITE_PATH } from './database.js';

// The demo's entry (`pnpm demo`): reads the environment, migrates the session table, serves on loopback HTTP.
//   PORT          port to listen on (default 3000; 0 picks a free one)
//   HOST          address to listen on (default 127.0.0.1)
//   DATABASE_URL  postgres://…, mysql://…, sqlite:PATH (default: SQLite file data/sess.sqlite)
//   SESS_TABLE    session table name (default sess_sessions)
//   SESSION_SECRET             cookie signing secret, at least 32 bytes (default: unsigned cookies)
//   SESS_FINGERPRINT_HEADERS   comma-separated fingerprint headers (default user-agent: browser and OS family);
//                              apps that share one table (say this demo and the Next.js one) must use the same list
//   SESS_DEMO_CLOCK_FILE       tests only: a file whose number (milliseconds) is added to the server's clock

let listen: ListenSettings;
try {
  listen = readListenSettings();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
const { host, port, loopback } = listen;
const { tableName, secret, fingerprintHeaders } = readSessionSettings();

// A PostgreSQL connection that drops is logged and answered with 503 until it is back; it never ends the process.
const { db, description } = openDatabase(process.env.DATABASE_URL, { sqlitePath: DEFAULT_SQLITE_PATH });
await migrateToLatest(db, { tableName });

// Browsers drop a Secure cookie that arrives over plain http, except on loopback where the demo serves http: only
// there does it turn Secure off. Anywhere else the default (Secure) stays, and the app belongs behind HTTPS.
const { app, store } = createApp({
  db,
  session: { tableName, fingerprintHeaders, now: clockFromFile(process.env.SESS_DEMO_CLOCK_FILE) },
  cookie: { secure: !loopback, secret },
});

const cleanup = startCleanup(store, {
  interval: '10m',
  onRun: (deleted) => {
    if (deleted > 0) console.log(`cleanup: deleted ${deleted} expired session${deleted === 1 ? '' : 's'}`);
  },
  onError: (error) => console.error('cleanup failed (will retry):', error),
});

const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
  const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  console.log(`sess demo on ${description}`);
  console.log(`listening on http://${shown}:${info.port}`);
  if (!loopback)
    console.log('note: cookies are Secure: serve this behind HTTPS, or browsers will not keep them.');
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down`);
  server.close();
  if ('closeAllConnections' in server) server.closeAllConnections();
  await cleanup.stop();
  await db.destroy();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { migrateToLatest } from '@sess/core';
import { openDatabase } from '@sess/demo-kit';
import { createHardeningApp } from './hardening-app.js';

// The demo app plus the hardening routes as a real process, the way examples/hono-app/src/server.ts runs the demo:
//   DATABASE_URL  postgres://…, mysql://… or sqlite:PATH (required)
//   SESS_TABLE    session table name (required: each test file has its own)
//   PORT          default 0 (a free port); the server listens on 127.0.0.1 and prints its URL.

const url = process.env.DATABASE_URL;
const tableName = process.env.SESS_TABLE;
if (!url || !tableName) {
  console.error('DATABASE_URL and SESS_TABLE are required.');
  process.exit(1);
}
const { db } = openDatabase(url, { sqlitePath: ':memory:' });
await migrateToLatest(db, { tableName });
const { app } = createHardeningApp({ db, session: { tableName }, cookie: { secure: false } });

const server = serve(
  { fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT || 0) },
  (info: AddressInfo) => console.log(`listening on http://127.0.0.1:${info.port}`),
);

async function shutdown(signal: string) {
  console.log(`${signal}: shutting down`);
  server.close();
  if ('closeAllConnections' in server) server.closeAllConnections();
  await db.destroy();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

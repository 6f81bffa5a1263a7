/**
 * Bun: `bun run src/bun.ts conformance` prints the conformance results as JSON on bun:sqlite (kysely-bun-sqlite);
 * `bun run src/bun.ts serve` serves the Hono app on Bun.serve and prints `listening <port>`.
 */
import { Database } from 'bun:sqlite';
import { migrateToLatest, SessionStore } from '@sess/core';
import { getConnInfo } from 'hono/bun';
import { Kysely } from 'kysely';
import { BunSqliteDialect } from 'kysely-bun-sqlite';
import { createApp } from './app.ts';
import { runConformance } from './conformance.ts';

const db = new Kysely<any>({ dialect: new BunSqliteDialect({ database: new Database(':memory:') }) });

if (process.argv[2] === 'serve') {
  await migrateToLatest(db);
  const store = new SessionStore(db, { maxSessionsPerUser: 5 });
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: createApp(store, getConnInfo).fetch });
  console.log(`listening ${server.port}`);
} else {
  const results = await runConformance(db);
  console.log(JSON.stringify({ runtime: `bun ${Bun.version}`, results }));
  await db.destroy();
}

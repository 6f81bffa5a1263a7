/**
 * Deno: `deno run -A src/deno.ts conformance` prints the conformance results as JSON on node:sqlite;
 * `deno run -A src/deno.ts serve` serves the Hono app on Deno.serve and prints `listening <port>`.
 */
import { DatabaseSync } from 'node:sqlite';
import { migrateToLatest, SessionStore } from '@sess/core';
import { getConnInfo } from 'hono/deno';
import { Kysely } from 'kysely';
import { createApp } from './app.ts';
import { runConformance } from './conformance.ts';
import { NodeSqliteDialect } from './node-sqlite-dialect.ts';

declare const Deno: {
  args: string[];
  version: { deno: string };
  serve(
    options: { port: number; hostname: string; onListen(addr: { port: number }): void },
    handler: (request: Request, info: unknown) => Response | Promise<Response>,
  ): unknown;
};

const db = new Kysely<any>({ dialect: new NodeSqliteDialect(new DatabaseSync(':memory:')) });

if (Deno.args[0] === 'serve') {
  await migrateToLatest(db);
  const store = new SessionStore(db, { maxSessionsPerUser: 5 });
  const app = createApp(store, getConnInfo);
  Deno.serve(
    { port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log(`listening ${port}`) },
    (request, info) => app.fetch(request, info),
  );
} else {
  const results = await runConformance(db);
  console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, results }));
  await db.destroy();
}

/**
 * The Cloudflare Worker of the workerd tests (bundled by esbuild, run by Miniflare without `nodejs_compat`, so
 * @sess/core runs on the Web platform alone):
 * - `GET /__conformance?batch=1` runs the conformance checks on the `DB` D1 database through kysely-d1, with
 *   `batch: d1Batch(env.DB)` (`batch=0`: statement by statement), and answers the results as JSON;
 * - `/no-batch/...` is the Hono app on the `NO_BATCH_DB` D1 database without `batch` (statement by statement);
 * - every other path is the Hono app on the `APP_DB` D1 database, with `batch: d1Batch(env.APP_DB)`.
 */
import type { D1Database } from '@cloudflare/workers-types';
import { migrateToLatest, SessionStore } from '@sess/core';
import { d1Batch } from '@sess/core/drivers';
import { getConnInfo } from 'hono/cloudflare-workers';
import { Kysely } from 'kysely';
import { D1Dialect } from 'kysely-d1';
import { createApp } from './app.ts';
import { runConformance } from './conformance.ts';

interface Env {
  DB: D1Database;
  APP_DB: D1Database;
  NO_BATCH_DB: D1Database;
}

type App = ReturnType<typeof createApp>;
const apps = new Map<string, { app: App; migrated: Promise<void> }>();

/** The app on one D1 database, created (and its table) on first use. */
function appOn(d1: D1Database, batched: boolean): { app: App; migrated: Promise<void> } {
  const key = batched ? 'batch' : 'no-batch';
  let entry = apps.get(key);
  if (!entry) {
    const db = new Kysely<any>({ dialect: new D1Dialect({ database: d1 }) });
    const store = new SessionStore(db, { maxSessionsPerUser: 5, ...(batched ? { batch: d1Batch(d1) } : {}) });
    entry = { app: createApp(store, getConnInfo), migrated: migrateToLatest(db).then(() => {}) };
    apps.set(key, entry);
  }
  return entry;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/__conformance') {
      const db = new Kysely<any>({ dialect: new D1Dialect({ database: env.DB }) });
      const batched = url.searchParams.get('batch') === '1';
      const results = await runConformance(db, {
        store: batched ? { batch: d1Batch(env.DB) } : {},
        ...(url.searchParams.has('only') ? { only: url.searchParams.get('only') as string } : {}),
      });
      const portable = {
        Buffer: typeof (globalThis as { Buffer?: unknown }).Buffer,
        process: typeof (globalThis as { process?: unknown }).process,
      };
      return Response.json({ runtime: 'workerd', batched, portable, results });
    }
    if (url.pathname.startsWith('/no-batch/')) {
      const { app, migrated } = appOn(env.NO_BATCH_DB, false);
      await migrated;
      url.pathname = url.pathname.slice('/no-batch'.length);
      return app.fetch(new Request(url, request), env);
    }
    const { app, migrated } = appOn(env.APP_DB, true);
    await migrated;
    return app.fetch(request, env);
  },
};

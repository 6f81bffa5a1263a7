import { type CookieOptions, SessionError, type SessionOptions } from '@sess/core';
import { d1Batch } from '@sess/core/drivers';
import type { Hono } from 'hono';
import { Kysely } from 'kysely';
import { D1Dialect } from 'kysely-d1';
import { type AppEnv, createApp, sweep } from './app.js';

/** The Worker's bindings (wrangler.jsonc) and variables (secrets; `.dev.vars` locally). */
export interface Env {
  /** The D1 database with the session table (`wrangler d1 migrations apply DB`). */
  DB: D1Database;
  /** Cookie signing secret, at least 32 bytes: `wrangler secret put SESSION_SECRET`; `.dev.vars` locally. */
  SESSION_SECRET?: string;
  /**
   * `"true"` only for `wrangler dev`, which serves plain http://127.0.0.1 (browsers drop Secure cookies there):
   * cookies without the Secure attribute. Set in `.dev.vars`, which `wrangler deploy` does not upload.
   */
  LOCAL_HTTP?: string;
}

/** The options both the app and the cron sweep build their store from. */
function storeOptions(env: Env): { db: Kysely<any>; session: SessionOptions; cookie: CookieOptions } {
  if (!env.SESSION_SECRET) {
    throw new SessionError(
      'INVALID_CONFIG',
      'SESSION_SECRET is not set: `wrangler secret put SESSION_SECRET` (locally, `pnpm dev` writes .dev.vars).',
    );
  }
  return {
    db: new Kysely<any>({ dialect: new D1Dialect({ database: env.DB }) }),
    // D1 has no interactive transactions: sess's multi-statement writes go out as one atomic D1 batch.
    session: { batch: d1Batch(env.DB) },
    cookie: { secret: env.SESSION_SECRET, secure: env.LOCAL_HTTP !== 'true' },
  };
}

/** One app per isolate, built on the first request (bindings arrive with the request, not at module load). */
let built: { env: Env; app: Hono<AppEnv> } | undefined;

export default {
  fetch(request, env, ctx) {
    if (built?.env !== env) built = { env, app: createApp(storeOptions(env)) };
    return built.app.fetch(request, env, ctx);
  },
  async scheduled(_controller, env, _ctx) {
    const deleted = await sweep(storeOptions(env));
    if (deleted > 0) console.log(`cleanup: deleted ${deleted} expired session${deleted === 1 ? '' : 's'}`);
  },
} satisfies ExportedHandler<Env>;

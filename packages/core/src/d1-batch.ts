import type { SessionBatch } from './config.js';

/** The part of Cloudflare's `D1Database` that {@link d1Batch} uses. */
export interface D1DatabaseLike {
  prepare(query: string): { bind(...values: unknown[]): unknown };
  batch(statements: unknown[]): Promise<readonly { results?: unknown[] | undefined }[]>;
}

/**
 * The `batch` option for a store on Cloudflare D1 (through `kysely-d1`): sess's multi-statement writes run as one
 * D1 `batch()`, atomically, since D1 has no interactive transactions.
 *
 * @example
 * ```ts
 * const db = new Kysely({ dialect: new D1Dialect({ database: env.DB }) })
 * const store = new SessionStore(db, { batch: d1Batch(env.DB) })
 * ```
 */
export function d1Batch(d1: D1DatabaseLike): SessionBatch {
  return async (queries) => {
    const results = await d1.batch(queries.map((q) => d1.prepare(q.sql).bind(...q.parameters)));
    return results.map((r) => ({ rows: r.results ?? [] }));
  };
}

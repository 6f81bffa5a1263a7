import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { sha256Hex } from './crypto.js';
import { configError } from './errors.js';

/** Options of {@link withPreparedStatements}. */
export interface PreparedStatementsOptions {
  /**
   * Most distinct statements that get a server-side prepared statement (on each connection that runs them); the
   * rest run as before. The first statements to repeat get them, which in an app are the per-request ones.
   * @default 100
   */
  max?: number | undefined;
  /**
   * Runs before a statement is first prepared; `false` keeps it unnamed.
   * @default every statement with parameters, from its second run on
   */
  shouldPrepare?: ((sql: string) => boolean) | undefined;
}

/** node-postgres' query config for a named (prepared) statement. */
interface NamedQuery {
  name: string;
  text: string;
  values: unknown[];
}

type NamedQueryClient = PostgresPoolClient & {
  query<R>(config: NamedQuery): Promise<PostgresQueryResult<R>>;
};

/**
 * Wraps a node-postgres `Pool` so that statements that repeat run as named prepared statements. Kysely's
 * `PostgresDriver` sends every query unnamed, so PostgreSQL parses and plans it on each call; named, a connection
 * parses it once and reuses the plan. On sess's per-request lookup over loopback this takes about a fifth off the
 * call. Pass the wrapped pool to `PostgresDialect`. Throws `INVALID_CONFIG` for a bad `max`.
 *
 * Know before you use it: prepared statements are per connection, so a pooler in transaction mode (PgBouncer before
 * 1.21, or without `max_prepared_statements`) breaks them; and after a migration changes a table, PostgreSQL answers
 * `cached plan must not change result type` once for a `select *` statement prepared before it.
 *
 * @example
 * ```ts
 * const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: withPreparedStatements(new pg.Pool()) }) })
 * ```
 */
export function withPreparedStatements(
  pool: PostgresPool,
  options: PreparedStatementsOptions = {},
): PostgresPool {
  const max = options.max ?? 100;
  if (!Number.isInteger(max) || max < 0) {
    throw configError('withPreparedStatements max', `must be an integer of at least 0 (got ${max})`);
  }
  const shouldPrepare = options.shouldPrepare ?? (() => true);
  /** Statement text → its name, once it repeated. */
  const names = new Map<string, string>();
  /** Statements seen once, bounded so that one-off statements cannot grow it. */
  const seenOnce = new Set<string>();

  const nameOf = (sql: string): string | undefined => {
    const name = names.get(sql);
    if (name !== undefined || names.size >= max) return name;
    if (!seenOnce.has(sql)) {
      if (seenOnce.size >= 10 * Math.max(max, 1)) seenOnce.clear();
      seenOnce.add(sql);
      return undefined;
    }
    seenOnce.delete(sql);
    if (!shouldPrepare(sql)) return undefined;
    const fresh = `sess_${sha256Hex(sql).slice(0, 24)}`;
    names.set(sql, fresh);
    return fresh;
  };

  // Kysely keeps one connection object per pool client, keyed by the client: hand out one wrapper per client.
  const wrappers = new WeakMap<PostgresPoolClient, PostgresPoolClient>();
  const wrap = (client: PostgresPoolClient): PostgresPoolClient => {
    let wrapper = wrappers.get(client);
    if (wrapper === undefined) {
      const named = client as NamedQueryClient;
      wrapper = {
        query: ((sql: string | PostgresCursor<unknown>, parameters?: ReadonlyArray<unknown>) => {
          if (typeof sql === 'string' && parameters !== undefined && parameters.length > 0) {
            const name = nameOf(sql);
            if (name !== undefined) return named.query({ name, text: sql, values: [...parameters] });
            return client.query(sql, parameters);
          }
          return typeof sql === 'string'
            ? client.query(sql, parameters ?? [])
            : client.query(sql as PostgresCursor<unknown>);
        }) as PostgresPoolClient['query'],
        release: () => client.release(),
      };
      wrappers.set(client, wrapper);
    }
    return wrapper;
  };

  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}

/**
 * `@sess/core/drivers`: helpers for the database drivers under Kysely. Statement caching for the per-request lookup
 * (see the README's "Performance"), `d1Batch` for Cloudflare D1, and pool guards that keep a stalled PostgreSQL or MySQL server from hanging the
 * pool (see docs/database-timeouts.md).
 *
 * @example
 * ```ts
 * import { withStatementCache } from '@sess/core/drivers'
 * const db = new Kysely({ dialect: withStatementCache(new SqliteDialect({ database })) })
 * ```
 */
export { type D1DatabaseLike, d1Batch } from './d1-batch.js';
export {
  guardMysqlPool,
  guardPostgresPool,
  type Mysql2PoolConnectionLike,
  type Mysql2PoolLike,
  type MysqlPoolGuardOptions,
  type PgPoolClientLike,
  type PgPoolLike,
  type PostgresPoolGuardOptions,
} from './pool-guards.js';
export { type PreparedStatementsOptions, withPreparedStatements } from './postgres-prepared-statements.js';
export { type StatementCacheOptions, withStatementCache } from './sqlite-statement-cache.js';

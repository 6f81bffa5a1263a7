/**
 * `@sess/core/drivers`: statement caching for the per-request lookup (see the README's "Performance").
 *
 * @example
 * ```ts
 * import { withStatementCache } from '@sess/core/drivers'
 * const db = new Kysely({ dialect: withStatementCache(new SqliteDialect({ database })) })
 * ```
 */
export { type PreparedStatementsOptions, withPreparedStatements } from './postgres-prepared-statements.js';
export { type StatementCacheOptions, withStatementCache } from './sqlite-statement-cache.js';

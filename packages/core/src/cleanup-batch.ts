import type { Kysely } from 'kysely';
import type { DialectKind } from './dialect.js';
import { META_COLUMNS, type MetaRow } from './session-row.js';

/** One cleanup batch: the rows it named (with an event hook), how many it deleted, and how many it took on. */
export interface CleanupBatch {
  rows: MetaRow[];
  deleted: number;
  taken: number;
}

/**
 * The statements of one `cleanupExpired` batch on `kind`, deleting at most `batchSize` expired rows of `table`
 * through the `expires_at` index (see `SessionStore.cleanupExpired` for why each dialect does it its way):
 * - MySQL/MariaDB without a hook: one `DELETE ... ORDER BY expires_at LIMIT n`;
 * - SQLite: one `DELETE ... WHERE id IN (SELECT ... LIMIT n)` (`RETURNING` the rows with a hook);
 * - otherwise a locking read (`FOR UPDATE SKIP LOCKED` on PostgreSQL, `FOR UPDATE` on MySQL) then a `DELETE` of
 *   the ids it found, still expired.
 * `db` is the store's instance (SQLite, autocommit) or the batch's transaction.
 * @internal
 */
export function cleanupBatch(
  kind: DialectKind,
  table: string,
  batchSize: number,
  hooked: boolean,
): (db: Kysely<any>, nowMs: number) => Promise<CleanupBatch> {
  const expired = (q: any, nowMs: number) =>
    q.where('expires_at', '<=', nowMs).orderBy('expires_at').limit(batchSize);
  return (trx, nowMs) => {
    if (kind === 'mysql' && !hooked) {
      return expired(trx.deleteFrom(table), nowMs)
        .executeTakeFirst()
        .then((r: { numDeletedRows: bigint }) => {
          const deleted = Number(r.numDeletedRows);
          return { rows: [], deleted, taken: deleted };
        });
    }
    if (kind === 'sqlite') {
      const doomed = expired(trx.selectFrom(table).select('id'), nowMs);
      const del = trx.deleteFrom(table).where('id', 'in', doomed);
      return hooked
        ? del
            .returning(META_COLUMNS)
            .execute()
            .then((rows) => ({ rows: rows as MetaRow[], deleted: rows.length, taken: rows.length }))
        : del.executeTakeFirst().then((r) => {
            const deleted = Number(r.numDeletedRows);
            return { rows: [], deleted, taken: deleted };
          });
    }
    return (async () => {
      let select = expired(trx.selectFrom(table).select(hooked ? META_COLUMNS : ['id']), nowMs);
      if (kind === 'postgres') select = select.forUpdate().skipLocked();
      else if (kind === 'mysql') select = select.forUpdate();
      const found = (await select.execute()) as MetaRow[];
      if (found.length === 0) return { rows: found, deleted: 0, taken: 0 };
      const result = await trx
        .deleteFrom(table)
        .where(
          'id',
          'in',
          found.map((r) => r.id),
        )
        .where('expires_at', '<=', nowMs)
        .executeTakeFirst();
      return { rows: found, deleted: Number(result.numDeletedRows), taken: found.length };
    })();
  };
}

import type { PGlite } from '@electric-sql/pglite';
import { PostgresDialect } from 'kysely';

/**
 * Kysely's PostgresDialect over an in-process PGlite. PGlite has one connection, so the "pool" hands it out to one
 * borrower at a time (a transaction keeps it until release), the way a pg pool of size 1 would.
 */
export function pgliteDialect(pg: PGlite): PostgresDialect {
  let tail: Promise<void> = Promise.resolve();
  const client = {
    async query(sqlText: string, parameters: readonly unknown[]) {
      const result = await pg.query(sqlText, parameters as unknown[]);
      const command = /^\s*(\w+)/.exec(sqlText)?.[1]?.toUpperCase() ?? 'SELECT';
      return { command, rowCount: result.affectedRows ?? result.rows.length, rows: result.rows };
    },
  };
  const pool = {
    async connect() {
      let release!: () => void;
      const mine = new Promise<void>((resolve) => {
        release = resolve;
      });
      const previous = tail;
      tail = previous.then(() => mine);
      await previous;
      return { ...client, release };
    },
    async end() {},
  };
  return new PostgresDialect({ pool: pool as never });
}

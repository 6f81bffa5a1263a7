import { existsSync } from 'node:fs';
import { migrateToLatest } from '@sess/core';
import type { Kysely } from 'kysely';
import { COMMON, type Command, type Context } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { pendingMigrationSql } from '../migration-sql.js';

const DATABASE_NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MySQL/MariaDB' } as const;

/** `sess migrate [--print-sql]`: creates or updates the session table, or prints the SQL that would. */
export const migrate: Command = {
  usage: `Usage: sess migrate [--print-sql] [--url URL] [--table NAME]

Creates the session table or brings it to the latest schema. Idempotent; safe to run from several
instances at once. A SQLite file is created when it does not exist.

Options:
  --print-sql        print the SQL that \`sess migrate\` would run now on this database (its dialect, the
                     migrations it has not applied yet; all of them for a new database) and change nothing

${COMMON}`,
  options: ['print-sql'],
  async run(ctx) {
    if (ctx.values['print-sql']) return printSql(ctx);
    const { open, io, table } = ctx;
    // No statement timeout: a migration that rebuilds a large table (MySQL's sess_0003) may rightly take minutes.
    const db = await open({ create: true, queryTimeoutMs: 0 });
    const result = await migrateToLatest(db, { tableName: table });
    const applied = (result.results ?? []).filter((r) => r.status === 'Success');
    if (applied.length === 0) io.stdout.write(`table ${table} is up to date\n`);
    for (const r of applied) io.stdout.write(`applied ${r.migrationName}\n`);
    return ExitCode.OK;
  },
};

async function printSql({ open, io, table, target }: Context): Promise<number> {
  // A SQLite file that does not exist yet gets the whole history, and is not created.
  const fresh = target.kind === 'sqlite' && (target.path === ':memory:' || !existsSync(target.path));
  const db: Kysely<any> | undefined = fresh ? undefined : await open({ readonly: true });
  const pending = await pendingMigrationSql(target.kind, db, table);
  const out = (text: string) => io.stdout.write(`${text}\n`);
  out(`-- sess migrate --print-sql: ${DATABASE_NAMES[target.kind]} ${target.display}, table ${table}`);
  if (pending.length === 0) {
    out(`-- ${table} is up to date: \`sess migrate\` has nothing to run.`);
    return ExitCode.OK;
  }
  const count = `${pending.length} pending migration${pending.length === 1 ? '' : 's'}`;
  const transaction = target.kind === 'postgres' ? ' in one transaction' : '';
  out(`-- ${count}, not applied. \`sess migrate\` runs them${transaction} and records each one in`);
  out(`-- ${table}_migrations; run by hand, they stay unrecorded and \`sess migrate\` would fail on them.`);
  for (const migration of pending) {
    out('');
    out(`-- ${migration.name}`);
    if (migration.statements.length === 0) out(`-- (nothing to run on ${DATABASE_NAMES[target.kind]})`);
    for (const statement of migration.statements) out(statement);
  }
  return ExitCode.OK;
}

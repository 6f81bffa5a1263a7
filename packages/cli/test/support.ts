import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { migrateToLatest, SessionMigrationProvider, SessionStore } from '@sess/core';
import { type DialectName, forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { countSessions, seedExpiredSessions, spawnNode, TEST_META, waitFor } from '@sess/test-kit';
import { type Kysely, Migrator, sql } from 'kysely';
import { beforeAll, beforeEach, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a `sess` run: never the DATABASE_URL of whoever runs the tests. */
export function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, SESS_DEBUG: _debug, ...rest } = process.env;
  return { ...rest, ...env };
}

/** Runs the built binary to completion. */
export function sess(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: childEnv(env) },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr }),
    );
  });
}

/**
 * How many sessions the runs of `sess cleanup --watch` have deleted so far, summed over its output lines. Rows
 * seeded while it watches may be split over two runs, so a test waits for a total, not for one run's line.
 */
export function deletedByWatch(stdout: string): number {
  let total = 0;
  for (const [, n] of stdout.matchAll(/deleted ([\d,]+) expired sessions/g))
    total += Number(n?.replaceAll(',', ''));
  return total;
}

/** The statements of `sess migrate --print-sql` output: comment lines dropped, split at the `;` that ends a line. */
export function statementsOf(printed: string): string[] {
  return printed
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .split(/;\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** What a table's columns look like to Kysely's introspection (plus the MySQL collation), to compare two tables. */
async function columnsOf(db: Kysely<any>, table: string): Promise<unknown[]> {
  const meta = (await db.introspection.getTables()).find((t) => t.name === table);
  if (!meta) throw new Error(`no table ${table}`);
  const collations = new Map<string, string | null>();
  if (db.getExecutor().adapter.constructor.name === 'MysqlAdapter') {
    const { rows } = await sql<{ name: string; collation: string | null }>`
      select column_name as name, collation_name as collation from information_schema.columns
      where table_schema = database() and table_name = ${table}`.execute(db);
    for (const row of rows) collations.set(row.name, row.collation);
  }
  return meta.columns
    .map((c) => ({
      name: c.name,
      dataType: c.dataType,
      nullable: c.isNullable,
      hasDefault: c.hasDefaultValue,
      collation: collations.get(c.name) ?? null,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A failure must be one line on stderr, with no stack trace. */
export function expectOneLine(result: Result, pattern: RegExp): void {
  expect(result.stderr).toMatch(/^sess: [^\n]+\n$/);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

/**
 * The CLI's behaviour on one database, run by one test file per database so that vitest runs them in parallel.
 * A server database whose env var is unset is skipped on a laptop and fails under CI (see `forEachDialect`).
 */
export function describeTarget(name: DialectName & ('sqlite-file' | 'postgres' | 'mysql')): void {
  forEachDialect(
    (spec) => {
      const created: string[] = [];
      const t = useTestDatabase(spec, { sessionTables: created });
      let db: Kysely<any>;
      let table: string;
      const url = () => t.url as string;
      const run = (...args: string[]) => sess([...args, '--url', url(), '--table', table]);
      const count = (which: 'live' | 'expired') => countSessions(db, table, which);
      const seedExpired = (n: number, user = 'old-user') =>
        seedExpiredSessions(db, { tableName: table, count: n, userId: (i) => `${user}-${i % 3}` });
      const live = () => new SessionStore(db, { tableName: table, maxSessionsPerUser: 50 });

      beforeAll(() => {
        db = t.db;
      });
      beforeEach(() => {
        table = uniqueTableName('cli');
        created.push(table);
      });

      it('migrate creates the table, then finds it up to date (exit 0 both times)', async () => {
        const first = await run('migrate');
        expect(first).toMatchObject({ code: 0, stderr: '' });
        expect(first.stdout).toContain(`applied sess_0001_create_${table}`);
        const second = await run('migrate');
        expect(second.code).toBe(0);
        expect(second.stdout).toContain(`table ${table} is up to date`);
        expect(await count('live')).toBe(0);
      });

      it('migrate --print-sql prints the whole schema for a new table in this dialect, and changes nothing', async () => {
        const r = await run('migrate', '--print-sql');
        expect(r).toMatchObject({ code: 0, stderr: '' });
        for (const name of ['create', 'previous_token', 'exact_user_id', 'remember_and_sign_in_time']) {
          expect(r.stdout).toMatch(new RegExp(`^-- sess_000\\d_${name}_${table}$`, 'm'));
        }
        expect(r.stdout).toContain('4 pending migrations, not applied');
        expect(r.stdout).toMatch(/add column .remembered. integer default 1 not null;/);
        if (name === 'mysql') {
          expect(r.stdout).toContain(`create table if not exists \`${table}\` (`);
          expect(r.stdout).toMatch(/`user_agent` mediumtext not null/);
          expect(r.stdout).toMatch(
            /modify `user_id` varchar\(255\) character set utf8mb4 collate utf8mb4_(nopad|0900)_bin not null;/,
          );
        } else {
          expect(r.stdout).toContain(`create table if not exists "${table}" (`);
          expect(r.stdout).toMatch(/"user_agent" text not null/);
          expect(r.stdout).toContain(`(nothing to run on ${name === 'postgres' ? 'PostgreSQL' : 'SQLite'})`);
        }
        const tables = (await db.introspection.getTables()).map((t) => t.name);
        expect(tables).not.toContain(table);
        expect(tables).not.toContain(`${table}_migrations`);
      });

      it('the SQL of migrate --print-sql builds the same table as sess migrate', async () => {
        const printed = await run('migrate', '--print-sql');
        for (const statement of statementsOf(printed.stdout)) await sql.raw(statement).execute(db);
        const migrated = `${table}_m`;
        created.push(migrated);
        const r = await sess(['migrate', '--url', url(), '--table', migrated]);
        expect(r.code).toBe(0);
        expect(await columnsOf(db, table)).toEqual(await columnsOf(db, migrated));
      });

      it('migrate --print-sql prints only the migrations not applied yet, and nothing once migrated', async () => {
        // An older install: only the first migration applied, with the bookkeeping of migrateToLatest.
        const migrator = new Migrator({
          db,
          provider: new SessionMigrationProvider({ tableName: table }),
          migrationTableName: `${table}_migrations`,
          migrationLockTableName: `${table}_migrations_lock`,
        });
        const first = await migrator.migrateTo(`sess_0001_create_${table}`);
        expect(first.error).toBeUndefined();

        const pending = await run('migrate', '--print-sql');
        expect(pending.code).toBe(0);
        expect(pending.stdout).toContain('3 pending migrations, not applied');
        expect(pending.stdout).not.toContain(`-- sess_0001_create_${table}`);
        expect(pending.stdout).toContain(`-- sess_0002_previous_token_${table}`);
        expect(pending.stdout).toMatch(/add column .prev_token_hash. varchar\(64\);/);

        expect((await run('migrate')).stdout).toContain(`applied sess_0002_previous_token_${table}`);
        const none = await run('migrate', '--print-sql');
        expect(none.code).toBe(0);
        expect(none.stdout).toMatch(
          new RegExp(`^-- ${table} is up to date: \`sess migrate\` has nothing to run\\.$`, 'm'),
        );
        expect(statementsOf(none.stdout)).toEqual([]);
      });

      it('exits 1 with one line and a hint to migrate when the table does not exist', async () => {
        // The SQLite file must exist (another table in it), else the error is "no such file" (exit 3).
        if (name === 'sqlite-file') await sess(['migrate', '--url', url(), '--table', 'other_table']);
        const r = await run('stats');
        expect(r.code).toBe(1);
        expectOneLine(r, new RegExp(`run \`sess migrate --table ${table}\` first`));
      });

      it('cleanup deletes exactly the expired sessions in batches and keeps the live ones (plain lines, no TTY)', async () => {
        await migrateToLatest(db, { tableName: table });
        await seedExpired(7);
        const s = live();
        for (const user of ['alice', 'bob']) await s.create(TEST_META, user);

        const r = await run('cleanup', '--batch-size', '2');
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/^deleted 7 expired sessions in \d+\.\d+s \([\d,]+ rows\/s\)\n$/);
        expect(r.stderr).toMatch(/^deleted \d+ so far \([\d,]+ rows\/s\)\n/); // progress as plain lines
        expect(r.stderr + r.stdout).not.toContain('\r');
        expect(r.stderr + r.stdout).not.toContain('\u001b'); // no terminal escapes in a log
        expect(await count('expired')).toBe(0);
        expect(await count('live')).toBe(2);

        const again = await run('cleanup', '--json');
        expect(again.code).toBe(0);
        expect(JSON.parse(again.stdout)).toMatchObject({ deleted: 0, interrupted: null });
      });

      it('stats counts live and expired sessions and lists the top users', async () => {
        await migrateToLatest(db, { tableName: table });
        await seedExpired(4);
        const s = live();
        for (let i = 0; i < 3; i++) await s.create(TEST_META, 'carol');
        await s.create(TEST_META, 'dave');
        await s.create(TEST_META, 'erin');
        // Guest sessions (no user): counted apart, never a "user" and never in the top list.
        for (let i = 0; i < 4; i++) await s.createGuest(TEST_META, { cart: [i] });

        const json = await run('stats', '--json', '--top', '2');
        expect(json.code).toBe(0);
        expect(JSON.parse(json.stdout)).toEqual({
          live: 9,
          expired: 4,
          guests: 4,
          users: 3,
          topUsers: [
            { userId: 'carol', sessions: 3 },
            { userId: 'dave', sessions: 1 },
          ],
        });
        const text = await run('stats');
        expect(text.code).toBe(0);
        expect(text.stdout).toMatch(/live sessions\s+9\n/);
        expect(text.stdout).toMatch(/expired sessions\s+4\n/);
        expect(text.stdout).toMatch(/live guest sessions\s+4\n/);
        expect(text.stdout).toMatch(/USER\s+SESSIONS\ncarol\s+3\n/);
      });

      it('sessions list prints the live sessions as a table and as JSON', async () => {
        await migrateToLatest(db, { tableName: table });
        await seedExpired(1, 'frank');
        const s = live();
        const a = await s.create(TEST_META, 'frank');
        const b = await s.create(
          { ...TEST_META, deviceName: 'Safari on iPhone', deviceType: 'mobile' },
          'frank',
        );

        const table_ = await run('sessions', 'list', '--user', 'frank');
        expect(table_.code).toBe(0);
        const lines = table_.stdout.trimEnd().split('\n');
        expect(lines[0]).toMatch(/^ID\s+DEVICE\s+TYPE\s+IP\s+CREATED\s+LAST ACTIVE\s+EXPIRES$/);
        expect(lines).toHaveLength(3); // the expired session of frank is not listed
        expect(table_.stdout).toContain(a.session.id);
        expect(table_.stdout).toMatch(new RegExp(`${b.session.id}\\s+Safari on iPhone\\s+mobile`));

        const json = await run('sessions', 'list', '--user', 'frank', '--json');
        expect(json.code).toBe(0);
        const listed = JSON.parse(json.stdout) as { id: string; userId: string }[];
        expect(listed.map((x) => x.id).sort()).toEqual([a.session.id, b.session.id].sort());
        expect(json.stdout).not.toContain(a.token.expose());

        const none = await run('sessions', 'list', '--user', 'nobody');
        expect(none).toMatchObject({ code: 0, stdout: 'user nobody has no live sessions\n' });
      });

      it('sessions revoke deletes one session by id, or all of a user, and exits 4 for an unknown id', async () => {
        await migrateToLatest(db, { tableName: table });
        const s = live();
        const one = await s.create(TEST_META, 'gina');
        const two = await s.create(TEST_META, 'gina');
        const other = await s.create(TEST_META, 'hank');

        const wrongUser = await run('sessions', 'revoke', '--session', other.session.id, '--user', 'gina');
        expect(wrongUser.code).toBe(4);
        expectOneLine(wrongUser, /user gina has no session/);
        expect(await s.read(other.session.id)).not.toBeNull();

        const bySession = await run('sessions', 'revoke', '--session', one.session.id);
        expect(bySession).toMatchObject({ code: 0, stdout: `revoked session ${one.session.id}\n` });
        expect(await s.read(one.session.id)).toBeNull();
        expect(await s.read(two.session.id)).not.toBeNull();

        const again = await run('sessions', 'revoke', '--session', one.session.id);
        expect(again.code).toBe(4);
        expectOneLine(again, /no session/);

        const byUser = await run('sessions', 'revoke', '--user', 'gina', '--json');
        expect(byUser.code).toBe(0);
        expect(JSON.parse(byUser.stdout)).toEqual({ revoked: 1 });
        expect(await s.listForUser('gina')).toEqual([]);
        expect(await s.listForUser('hank')).toHaveLength(1);
      });

      it.each(['SIGTERM', 'SIGINT'] as const)(
        'cleanup --watch deletes on a schedule and stops cleanly on %s (exit 0)',
        async (signal) => {
          await migrateToLatest(db, { tableName: table });
          await seedExpired(3);
          const out = spawnNode(
            [BIN, 'cleanup', '--watch', '--interval', '200ms', '--url', url(), '--table', table],
            childEnv(),
          );
          await waitFor('the first run', () => out.stdout.includes('deleted 3 expired sessions'));
          await seedExpired(2); // the next scheduled runs take these
          await waitFor('later runs', () => deletedByWatch(out.stdout) === 5);
          out.kill(signal);
          expect(await out.exited).toBe(0);
          expect(out.stdout).toContain(`${signal}: stopping after the batch in progress`);
          expect(out.stdout).toMatch(/stopped\n$/);
          expect(out.stderr).toBe('');
          expect(await count('expired')).toBe(0);
        },
      );

      // `script` (util-linux) gives the command a terminal. CI has it; a laptop without it skips, and says so.
      const noScript = !existsSync('/usr/bin/script');
      if (noScript && process.env.CI)
        throw new Error('/usr/bin/script is missing: CI must run the terminal test');
      if (noScript)
        console.warn('[sess] cli: the terminal progress test is skipped: no /usr/bin/script (util-linux)');
      it.skipIf(noScript)('cleanup shows progress in place on a terminal', async () => {
        await migrateToLatest(db, { tableName: table });
        await seedExpired(4);
        // `script` runs the command on a pseudo-terminal.
        const command = [BIN, 'cleanup', '--batch-size', '1', '--url', url(), '--table', table]
          .map((a) => `'${a}'`)
          .join(' ');
        const r = await new Promise<Result>((resolve) => {
          const child = execFile(
            'script',
            ['-qec', `'${process.execPath}' ${command}`, '/dev/null'],
            { env: childEnv() },
            (_e, stdout, stderr) => resolve({ code: child.exitCode, signal: null, stdout, stderr }),
          );
        });
        expect(r.code).toBe(0);
        expect(r.stdout).toContain('\r\x1b[2Kdeleted 1 so far');
        expect(r.stdout).toMatch(/deleted 4 expired sessions in/);
      });
    },
    { only: [name] },
  );
}

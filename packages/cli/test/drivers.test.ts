import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../src/command.js';
import { type DriverKind, driverSpecifiers } from '../src/drivers.js';
import { ExitCode } from '../src/exit-codes.js';
import { run } from '../src/main.js';

/** Runs `sess` in-process and collects what it writes. */
async function sessInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    stopSignal: () => new Promise(() => {}),
  };
  const code = await run(args, io);
  return { code, stdout, stderr };
}

const original = { ...driverSpecifiers };

/** Makes the driver of `kind` unresolvable, as if it were not installed. */
function uninstall(...kinds: DriverKind[]): void {
  for (const kind of kinds) driverSpecifiers[kind] = `sess-test-not-installed-${kind}`;
}

describe('database drivers are optional peer dependencies, loaded when a command needs one', () => {
  afterEach(() => Object.assign(driverSpecifiers, original));

  it.each([
    [
      'postgres',
      'postgres://root@127.0.0.1:1/test',
      'the PostgreSQL driver "pg" is not installed; run npm install pg',
    ],
    [
      'mysql',
      'mysql://root@127.0.0.1:1/test',
      'the MySQL/MariaDB driver "mysql2" is not installed; run npm install mysql2',
    ],
    [
      'sqlite',
      '/nonexistent/sess.sqlite',
      'the SQLite driver "better-sqlite3" is not installed; run npm install better-sqlite3',
    ],
  ] as const)(
    'a missing %s driver is a usage error (exit 2) that names the package to install',
    async (kind, url, message) => {
      uninstall(kind);
      const r = await sessInProcess(['stats', '--url', url]);
      expect(r).toEqual({ code: ExitCode.USAGE, stdout: '', stderr: `sess: ${message}\n` });
    },
  );

  it('commands that need no driver, or another one, run without it', async () => {
    uninstall('sqlite', 'mysql', 'postgres');
    expect((await sessInProcess(['--help'])).code).toBe(0);
    expect((await sessInProcess(['secret'])).code).toBe(0);
    // A SQLite file that does not exist yet: the whole schema, without opening (or creating) it.
    const printed = await sessInProcess(['migrate', '--print-sql', '--url', '/nonexistent/sess.sqlite']);
    expect(printed).toMatchObject({ code: 0, stderr: '' });
    expect(printed.stdout).toContain('create table if not exists "sess_sessions"');
  });

  it('the built CLI imports no driver when it starts', () => {
    const dist = fileURLToPath(new URL('../dist/', import.meta.url));
    const files = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    expect(files).toContain('drivers.js');
    for (const file of files) {
      const code = readFileSync(join(dist, file), 'utf8');
      expect(code, file).not.toMatch(
        /\bfrom ['"](pg|mysql2|better-sqlite3)['"]|require\(['"](pg|mysql2|better-sqlite3)['"]\)/,
      );
    }
  });
});

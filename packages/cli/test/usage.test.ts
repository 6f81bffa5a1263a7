import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLine, sess } from './support.js';

describe('sess usage', () => {
  it('prints the commands and the exit codes with --help (exit 0)', async () => {
    const r = await sess(['--help']);
    expect(r.code).toBe(0);
    for (const word of [
      'migrate',
      'cleanup',
      'sessions list',
      'sessions revoke',
      'stats',
      'secret',
      'DATABASE_URL',
    ]) {
      expect(r.stdout).toContain(word);
    }
    expect(r.stdout).toMatch(/0 ok .* 1 operation failed .* 2 usage error .* 3 database unreachable/);
  });

  it.each([
    [['migrate', '--help'], '--table'],
    [['migrate', '--help'], '--print-sql'],
    [['secret', '--help'], 'cookie.secret'],
    [['cleanup', '--help'], '--batch-size'],
    [['cleanup', '--help'], '--interval'],
    [['sessions', 'list', '--help'], '--user'],
    [['sessions', 'revoke', '--help'], '--session'],
    [['stats', '--help'], '--top'],
    [['help', 'stats'], '--top'],
  ])('documents each command: %j shows %s', async (args, option) => {
    const r = await sess(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: sess ${args[0] === 'help' ? args[1] : args.slice(0, -1).join(' ')}`);
    expect(r.stdout).toContain(option);
  });

  it.each([
    [[], /Usage: sess <command>/, 'stdout'],
    [['frobnicate'], /unknown command "frobnicate"/, 'stderr'],
    [['sessions'], /needs a subcommand: list or revoke/, 'stderr'],
    [['stats', '--bogus'], /Unknown option '--bogus'/, 'stderr'],
    [['secret', '--url', '/nope.sqlite'], /sess secret does not take --url/, 'stderr'],
    [['secret', 'extra'], /unexpected argument "extra"/, 'stderr'],
    [['cleanup', '--url', '/nope.sqlite', '--print-sql'], /sess cleanup does not take --print-sql/, 'stderr'],
    [['stats', '--batch-size', '5'], /sess stats does not take --batch-size/, 'stderr'],
    [['stats'], /no database: pass --url URL or set DATABASE_URL/, 'stderr'],
    [['stats', '--url', 'redis://127.0.0.1:6379'], /unsupported database URL scheme "redis:"/, 'stderr'],
    [
      ['cleanup', '--url', '/nope.sqlite', '--batch-size', '0'],
      /--batch-size must be a whole number/,
      'stderr',
    ],
    [
      ['cleanup', '--url', '/nope.sqlite', '--interval', '5m'],
      /--interval only applies with --watch/,
      'stderr',
    ],
    [
      ['cleanup', '--url', '/nope.sqlite', '--watch', '--interval', 'soon'],
      /--interval must be a duration/,
      'stderr',
    ],
    [['sessions', 'revoke', '--url', '/nope.sqlite'], /give --user ID or --session ID/, 'stderr'],
    [['sessions', 'list', '--url', '/nope.sqlite'], /--user ID is required/, 'stderr'],
    [
      ['stats', '--url', '/nope.sqlite', '--table', 'a;drop'],
      /--table must be a plain SQL identifier: letters, digits and _, at most 63 chars \(got a;drop\)/,
      'stderr',
    ],
  ])('exits 2 on a usage error: %j', async (args, pattern, stream) => {
    const r = await sess(args);
    expect(r.code).toBe(2);
    if (stream === 'stderr') expectOneLine(r, pattern);
    else expect(r.stdout).toMatch(pattern);
  });
});

describe('sess -v and sess secret', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };

  it.each([['-v'], ['--version']])(
    '%s prints the version of @sess/cli from its package.json',
    async (flag) => {
      const r = await sess([flag]);
      expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
      expect(pkg.version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
    },
  );

  it('secret prints a new 32-byte base64url secret each time, without a database', async () => {
    const [a, b] = await Promise.all([sess(['secret']), sess(['secret'])]);
    for (const r of [a, b]) {
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
      expect(Buffer.from(r.stdout.trim(), 'base64url')).toHaveLength(32);
    }
    expect(a.stdout).not.toBe(b.stdout);
  });
});

describe('sess with a database it cannot reach', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sess-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 3 with one line for a missing SQLite file, and does not create it', async () => {
    const file = join(dir, 'missing.sqlite');
    const r = await sess(['stats', '--url', file]);
    expect(r.code).toBe(3);
    expectOneLine(r, /no such SQLite file .*sess migrate/);
    expect(existsSync(file)).toBe(false);
  });

  it('exits 3 with one line when PostgreSQL refuses the connection, and never prints the password', async () => {
    const r = await sess(['stats'], { DATABASE_URL: 'postgres://root:s3cret@127.0.0.1:1/test' });
    expect(r.code).toBe(3);
    expectOneLine(r, /cannot connect to postgres:\/\/root:\*\*\*\*@127\.0\.0\.1:1\/test: .*ECONNREFUSED/);
    expect(r.stderr).not.toContain('s3cret');
  });

  it('exits 3 with one line when MySQL refuses the connection (mariadb:// too)', async () => {
    for (const url of ['mysql://root@127.0.0.1:1/test', 'mariadb://root@127.0.0.1:1/test']) {
      const r = await sess(['cleanup', '--url', url]);
      expect(r.code).toBe(3);
      expectOneLine(r, /cannot connect to .*ECONNREFUSED/);
    }
  });

  it('exits 3 with one line for a host that does not resolve', async () => {
    const r = await sess(['stats', '--url', 'postgresql://root@host.invalid/test']);
    expect(r.code).toBe(3);
    expectOneLine(r, /cannot connect to postgresql:\/\/root@host\.invalid\/test: .*ENOTFOUND/);
  });
});

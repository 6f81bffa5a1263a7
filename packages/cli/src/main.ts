import { parseArgs } from 'node:util';
import { SessionError } from '@sess/core';
import { checkTableName } from '@sess/core/adapter';
import type { Kysely } from 'kysely';
import { type CliIo, COMMON, type Command, describeFailure, OPTIONS, usage, type Values } from './command.js';
import { cleanup } from './commands/cleanup.js';
import { migrate } from './commands/migrate.js';
import { secret } from './commands/secret.js';
import { sessionsList } from './commands/sessions-list.js';
import { sessionsRevoke } from './commands/sessions-revoke.js';
import { stats } from './commands/stats.js';
import { connect, parseDatabaseUrl } from './database.js';
import { CliError, ExitCode, errorText } from './exit-codes.js';
import { version } from './version.js';

export type { CliIo } from './command.js';

const COMMANDS: Record<string, Command> = {
  migrate,
  cleanup,
  'sessions list': sessionsList,
  'sessions revoke': sessionsRevoke,
  stats,
  secret,
};

const MAIN_USAGE = `Usage: sess <command> [options]

Operate a sess session table from a shell or a job runner.

Commands:
  migrate            create the session table or bring it to the latest schema (--print-sql: show the SQL)
  cleanup            delete expired sessions (--watch to keep doing it on a schedule)
  sessions list      list a user's live sessions
  sessions revoke    revoke a user's sessions, or one session by id
  stats              live/expired counts and the users with the most sessions
  secret             print a new random secret for cookie.secret

Run \`sess <command> --help\` for a command's options.

${COMMON}
  -v, --version      print the version

The drivers are optional peer dependencies: install better-sqlite3, pg or mysql2 for your database.

Exit codes: 0 ok · 1 operation failed · 2 usage error · 3 database unreachable · 4 not found
`;

/** The session table named by `--table`, checked by the same rule as the store's `tableName`. */
function tableOption(name: string): string {
  try {
    return checkTableName(name);
  } catch {
    usage(`--table must be a plain SQL identifier: letters, digits and _, at most 63 chars (got ${name})`);
  }
}

/** Connection errors that can also happen after the first successful query. */
function isConnectionError(error: unknown): boolean {
  const cause = error instanceof SessionError && error.cause !== undefined ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'PROTOCOL_CONNECTION_LOST'].includes(
      code,
    )
  );
}

/** The real process as {@link CliIo}. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    stopSignal: () =>
      new Promise((resolve) => {
        const on = (signal: NodeJS.Signals) => {
          process.off('SIGINT', on);
          process.off('SIGTERM', on);
          resolve(signal);
        };
        process.on('SIGINT', on);
        process.on('SIGTERM', on);
      }),
  };
}

/**
 * Runs the `sess` command line and resolves its exit code. Errors end as one line on stderr (set `SESS_DEBUG=1`
 * for the stack).
 *
 * @example
 * ```ts
 * process.exitCode = await run(['cleanup', '--batch-size', '5000'])
 * ```
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let db: Kysely<any> | undefined;
  let table = 'sess_sessions';
  try {
    let parsed: { values: Values; positionals: string[] };
    try {
      parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true }) as {
        values: Values;
        positionals: string[];
      };
    } catch (error) {
      usage(errorText(error).replace(/\. To specify a positional argument.*$/, ''));
    }
    const { values, positionals } = parsed;
    if (values.version) {
      io.stdout.write(`${version()}\n`);
      return ExitCode.OK;
    }
    const name = positionals[0] === 'sessions' ? positionals.slice(0, 2).join(' ') : (positionals[0] ?? '');
    const extra = positionals.slice(name.split(' ').length);
    if (name === '' || name === 'help') {
      const target = name === 'help' ? COMMANDS[extra.join(' ')] : undefined;
      io.stdout.write(target ? `${target.usage}\n` : MAIN_USAGE);
      return values.help || name === 'help' ? ExitCode.OK : ExitCode.USAGE;
    }
    const command = COMMANDS[name];
    if (!command) {
      if (name === 'sessions') usage('sessions needs a subcommand: list or revoke (see `sess --help`)');
      usage(`unknown command "${name}" (see \`sess --help\`)`);
    }
    if (values.help) {
      io.stdout.write(`${command.usage}\n`);
      return ExitCode.OK;
    }
    if (extra.length > 0) usage(`unexpected argument "${extra[0]}" (see \`sess ${name} --help\`)`);
    const allowed = new Set<string>(['help', 'version', ...command.options]);
    if (command.database !== false) for (const option of ['url', 'table']) allowed.add(option);
    for (const key of Object.keys(values)) {
      if (!allowed.has(key)) usage(`sess ${name} does not take --${key} (see \`sess ${name} --help\`)`);
    }
    if (command.database === false) return await command.run({ values, io });
    table = tableOption(values.table ?? 'sess_sessions');
    const url = values.url ?? io.env.DATABASE_URL;
    if (url === undefined || url.trim() === '') usage('no database: pass --url URL or set DATABASE_URL');
    const target = parseDatabaseUrl(url);
    return await command.run({
      values,
      io,
      table,
      target,
      open: async (options = {}) => {
        db = await connect(target, options);
        return db;
      },
    });
  } catch (error) {
    let code: number = ExitCode.FAILED;
    let message: string;
    if (error instanceof CliError) {
      code = error.exitCode;
      message = error.message;
    } else if (error instanceof SessionError && error.code === 'INVALID_CONFIG') {
      code = ExitCode.USAGE;
      message = error.message;
    } else if (isConnectionError(error)) {
      code = ExitCode.UNREACHABLE;
      message = `lost the database connection: ${describeFailure(error, table)}`;
    } else {
      message = describeFailure(error, table);
    }
    io.stderr.write(`sess: ${message}\n`);
    if (io.env.SESS_DEBUG) io.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    return code;
  } finally {
    await db?.destroy().catch(() => {});
  }
}

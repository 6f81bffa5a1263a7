import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  type Duration,
  durationToMs,
  migrateToLatest,
  type SessionData,
  SessionError,
  SessionStore,
  startCleanup,
} from '@sess/core';
import type { Kysely } from 'kysely';
import { connect, parseDatabaseUrl } from './database.js';
import { CliError, ExitCode, errorText } from './exit-codes.js';
import { formatCount, Progress, type ProgressStream } from './progress.js';
import { renderTable } from './table.js';

/** What a command reads and writes; the real process by default, something else in tests. */
export interface CliIo {
  stdout: ProgressStream;
  stderr: ProgressStream;
  env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopSignal(): Promise<string>;
}

const OPTIONS = {
  url: { type: 'string' },
  table: { type: 'string' },
  json: { type: 'boolean' },
  'batch-size': { type: 'string' },
  watch: { type: 'boolean' },
  interval: { type: 'string' },
  user: { type: 'string' },
  session: { type: 'string' },
  top: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type OptionName = keyof typeof OPTIONS;
type Values = { [K in OptionName]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

const COMMON = `Database:
  --url URL          SQLite file path (or sqlite:/file: URL), postgres://..., mysql://... or mariadb://...
                     (default: $DATABASE_URL)
  --table NAME       session table (default: sess_sessions)
  -h, --help         show this help`;

const EXIT_CODES = `Exit codes: 0 ok · 1 operation failed · 2 usage error · 3 database unreachable · 4 not found`;

interface Command {
  usage: string;
  options: readonly OptionName[];
  run(ctx: Context): Promise<number>;
}

interface Context {
  values: Values;
  io: CliIo;
  table: string;
  /** Opens the database (exit 3 when it does not answer); closed by the runner. */
  open(options?: { create?: boolean }): Promise<Kysely<any>>;
}

const COMMANDS: Record<string, Command> = {
  migrate: {
    usage: `Usage: sess migrate [--url URL] [--table NAME]

Creates the session table or brings it to the latest schema. Idempotent; safe to run from several
instances at once. A SQLite file is created when it does not exist.

${COMMON}`,
    options: [],
    async run({ open, io, table }) {
      const db = await open({ create: true });
      const result = await migrateToLatest(db, { tableName: table });
      const applied = (result.results ?? []).filter((r) => r.status === 'Success');
      if (applied.length === 0) io.stdout.write(`table ${table} is up to date\n`);
      for (const r of applied) io.stdout.write(`applied ${r.migrationName}\n`);
      return ExitCode.OK;
    },
  },

  cleanup: {
    usage: `Usage: sess cleanup [--batch-size N] [--watch [--interval 15m]] [--json]

Deletes expired sessions in batches through the expires_at index. Safe to run from many instances at
once. Shows progress on a terminal, plain lines otherwise. SIGINT/SIGTERM stop it after the batch in
progress (exit 0).

Options:
  --batch-size N     rows per delete statement (default: 1000)
  --watch            keep running: clean up now and then every --interval
  --interval DUR     time between runs with --watch: 30s, 15m, 1h, ... (default: 15m)
  --json             print the result as JSON

${COMMON}`,
    options: ['batch-size', 'watch', 'interval', 'json'],
    async run({ values, io, open, table }) {
      const batchSize = positiveInt('--batch-size', values['batch-size'] ?? '1000');
      if (values.interval !== undefined && !values.watch) usage('--interval only applies with --watch');
      const intervalText = values.interval ?? '15m';
      let intervalMs: number;
      try {
        intervalMs = durationToMs('interval', intervalText);
      } catch {
        usage(`--interval must be a duration like 30s, 15m or 1h (got ${JSON.stringify(intervalText)})`);
      }
      if (intervalMs <= 0) usage('--interval must be greater than 0');
      const db = await open();
      const store = new SessionStore(db, { tableName: table });
      const stopped = io.stopSignal();

      if (values.watch) {
        const line = (text: string) => io.stdout.write(`${new Date().toISOString()} ${text}\n`);
        const job = startCleanup(store, {
          interval: `${intervalMs}ms` as Duration,
          batchSize,
          keepAlive: true,
          onRun: (n) =>
            line(values.json ? JSON.stringify({ deleted: n }) : `deleted ${formatCount(n)} expired sessions`),
          onError: (error) => io.stderr.write(`sess: cleanup failed: ${describeFailure(error, table)}\n`),
        });
        line(`watching ${table}: cleanup every ${intervalText} (stop with Ctrl-C or SIGTERM)`);
        const signal = await stopped;
        line(`${signal}: stopping after the batch in progress`);
        await job.stop();
        line('stopped');
        return ExitCode.OK;
      }

      const abort = new AbortController();
      let interrupted: string | undefined;
      void stopped.then((signal) => {
        interrupted = signal;
        abort.abort();
      });
      const progress = new Progress(io.stderr, 'deleted');
      const deleted = await store
        .cleanupExpired({ batchSize, signal: abort.signal, onBatch: (n) => progress.update(n) })
        .finally(() => progress.end());
      const seconds = progress.seconds;
      const rate = progress.rate(deleted);
      if (values.json) {
        io.stdout.write(
          `${JSON.stringify({ deleted, seconds: Number(seconds.toFixed(3)), rowsPerSecond: Math.round(rate), interrupted: interrupted ?? null })}\n`,
        );
      } else {
        const stop = interrupted ? ` (stopped by ${interrupted})` : '';
        io.stdout.write(
          `deleted ${formatCount(deleted)} expired sessions in ${seconds.toFixed(1)}s (${formatCount(rate)} rows/s)${stop}\n`,
        );
      }
      return ExitCode.OK;
    },
  },

  'sessions list': {
    usage: `Usage: sess sessions list --user ID [--json]

Lists the user's live sessions, most recently active first.

Options:
  --user ID          the user whose sessions to list (required)
  --json             print a JSON array instead of a table

${COMMON}`,
    options: ['user', 'json'],
    async run({ values, io, open, table }) {
      const user = required('--user', values.user);
      const store = new SessionStore(await open(), { tableName: table });
      const sessions = await store.listForUser(user);
      if (values.json) {
        io.stdout.write(`${JSON.stringify(sessions, null, 2)}\n`);
      } else if (sessions.length === 0) {
        io.stdout.write(`user ${user} has no live sessions\n`);
      } else {
        io.stdout.write(
          renderTable(
            ['ID', 'DEVICE', 'TYPE', 'IP', 'CREATED', 'LAST ACTIVE', 'EXPIRES'],
            sessions.map((s: SessionData) => [
              s.id,
              s.deviceName,
              s.deviceType,
              s.ipAddress,
              when(s.createdAt),
              when(s.lastActiveAt),
              when(s.expiresAt),
            ]),
          ),
        );
      }
      return ExitCode.OK;
    },
  },

  'sessions revoke': {
    usage: `Usage: sess sessions revoke --user ID
       sess sessions revoke --session ID [--user ID]

Deletes sessions: every session of a user ("sign out everywhere"), or one session by its public id
(with --user too, only if it belongs to that user). Exit code 4 when --session names no session.

Options:
  --user ID          the user whose sessions to revoke
  --session ID       the public id of one session to revoke
  --json             print the result as JSON

${COMMON}`,
    options: ['user', 'session', 'json'],
    async run({ values, io, open, table }) {
      const { user, session } = values;
      if (user === undefined && session === undefined) usage('give --user ID or --session ID');
      if (user === '' || session === '') usage('--user and --session need a non-empty value');
      const store = new SessionStore(await open(), { tableName: table });
      const print = (revoked: number, text: string) =>
        io.stdout.write(values.json ? `${JSON.stringify({ revoked })}\n` : `${text}\n`);
      if (session !== undefined) {
        const found =
          user !== undefined ? await store.destroyForUser(user, session, 'admin') : await revokeOne();
        if (!found) {
          throw new CliError(
            ExitCode.NOT_FOUND,
            user !== undefined ? `user ${user} has no session ${session}` : `no session ${session}`,
          );
        }
        print(1, `revoked session ${session}`);
        return ExitCode.OK;
      }
      const n = await store.destroyAllForUser(user as string, 'admin');
      print(n, `revoked ${formatCount(n)} session${n === 1 ? '' : 's'} of user ${user}`);
      return ExitCode.OK;

      async function revokeOne(): Promise<boolean> {
        if (!(await store.read(session as string))) return false;
        await store.destroy(session as string, 'admin');
        return true;
      }
    },
  },

  stats: {
    usage: `Usage: sess stats [--top N] [--json]

Counts live and expired sessions and lists the users with the most live sessions.

Options:
  --top N            how many users to list (default: 10)
  --json             print the result as JSON

${COMMON}`,
    options: ['top', 'json'],
    async run({ values, io, open, table }) {
      const top = positiveInt('--top', values.top ?? '10');
      const db = await open();
      const now = Date.now();
      // Portable on every dialect: sum(case ...) and count(distinct case ...) rather than FILTER (WHERE ...).
      const counts = await db
        .selectFrom(table)
        .select((eb) => [
          eb.fn.countAll().as('total'),
          eb.fn.sum(eb.case().when('expires_at', '>', now).then(1).else(0).end()).as('live'),
          eb.fn
            .count(eb.case().when('expires_at', '>', now).then(eb.ref('user_id')).end())
            .distinct()
            .as('users'),
        ])
        .executeTakeFirstOrThrow();
      const topUsers = await db
        .selectFrom(table)
        .select((eb) => ['user_id', eb.fn.countAll().as('sessions')])
        .where('expires_at', '>', now)
        .groupBy('user_id')
        .orderBy('sessions', 'desc')
        .orderBy('user_id')
        .limit(top)
        .execute();
      const total = Number(counts.total);
      const live = Number(counts.live ?? 0);
      const result = {
        live,
        expired: total - live,
        users: Number(counts.users ?? 0),
        topUsers: topUsers.map((r) => ({ userId: String(r.user_id), sessions: Number(r.sessions) })),
      };
      if (values.json) {
        io.stdout.write(`${JSON.stringify(result)}\n`);
        return ExitCode.OK;
      }
      io.stdout.write(
        renderTable(
          ['', ''],
          [
            ['live sessions', formatCount(result.live)],
            ['expired sessions', formatCount(result.expired)],
            ['users with live sessions', formatCount(result.users)],
          ],
        ).replace(/^\n/, ''),
      );
      if (result.topUsers.length > 0) {
        io.stdout.write(`\ntop ${result.topUsers.length} users by live sessions:\n`);
        io.stdout.write(
          renderTable(
            ['USER', 'SESSIONS'],
            result.topUsers.map((u) => [u.userId, formatCount(u.sessions)]),
          ),
        );
      }
      if (result.expired > 0) io.stdout.write(`\nrun \`sess cleanup\` to delete the expired sessions\n`);
      return ExitCode.OK;
    },
  },
};

const MAIN_USAGE = `Usage: sess <command> [options]

Operate a sess session table from a shell or a job runner.

Commands:
  migrate            create the session table or bring it to the latest schema
  cleanup            delete expired sessions (--watch to keep doing it on a schedule)
  sessions list      list a user's live sessions
  sessions revoke    revoke a user's sessions, or one session by id
  stats              live/expired counts and the users with the most sessions

Run \`sess <command> --help\` for a command's options.

${COMMON}
  -v, --version      print the version

${EXIT_CODES}
`;

function usage(message: string): never {
  throw new CliError(ExitCode.USAGE, message);
}

function required(flag: string, value: string | undefined): string {
  if (value === undefined || value === '') usage(`${flag} ID is required`);
  return value;
}

function positiveInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1)
    usage(`${flag} must be a whole number of at least 1 (got ${text})`);
  return Number(text);
}

function when(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** One line for a failed operation, with a hint when the table is missing. */
function describeFailure(error: unknown, table: string): string {
  const cause = error instanceof SessionError && error.cause !== undefined ? error.cause : error;
  const text = errorText(cause);
  const e = cause as { code?: unknown; errno?: unknown } | null;
  const missing =
    e?.code === '42P01' || e?.errno === 1146 || /no such table|does not exist|doesn't exist/i.test(text);
  return missing ? `${text} (run \`sess migrate --table ${table}\` first)` : text;
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

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
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
    const allowed = new Set<string>(['url', 'table', 'help', 'version', ...command.options]);
    for (const key of Object.keys(values)) {
      if (!allowed.has(key)) usage(`sess ${name} does not take --${key} (see \`sess ${name} --help\`)`);
    }
    table = values.table ?? 'sess_sessions';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table))
      usage(`--table must be a plain SQL identifier (got ${table})`);
    const url = values.url ?? io.env.DATABASE_URL;
    if (url === undefined || url.trim() === '') usage('no database: pass --url URL or set DATABASE_URL');
    const target = parseDatabaseUrl(url);
    return await command.run({
      values,
      io,
      table,
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

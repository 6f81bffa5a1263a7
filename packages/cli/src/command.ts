import { SessionError } from '@sess/core';
import type { Kysely } from 'kysely';
import type { ConnectOptions, DatabaseTarget } from './database.js';
import { CliError, ExitCode, errorText } from './exit-codes.js';
import type { ProgressStream } from './progress.js';

/** What a command reads and writes; the real process by default, something else in tests. */
export interface CliIo {
  stdout: ProgressStream;
  stderr: ProgressStream;
  env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopSignal(): Promise<string>;
}

/** Every option of every command; each command lists the ones it takes in {@link Command.options}. */
export const OPTIONS = {
  url: { type: 'string' },
  table: { type: 'string' },
  json: { type: 'boolean' },
  'batch-size': { type: 'string' },
  watch: { type: 'boolean' },
  interval: { type: 'string' },
  user: { type: 'string' },
  session: { type: 'string' },
  top: { type: 'string' },
  'print-sql': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** The name of an option in {@link OPTIONS}. */
export type OptionName = keyof typeof OPTIONS;

/** The parsed options. */
export type Values = { [K in OptionName]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

/** The help text of the options every database command takes. */
export const COMMON = `Database:
  --url URL          SQLite file path (or sqlite:/file: URL), postgres://..., mysql://... or mariadb://...
                     (default: $DATABASE_URL)
  --table NAME       session table (default: sess_sessions)
  -h, --help         show this help`;

/** One `sess` command: one that works on the session table, or one that needs no database (`database: false`). */
export type Command = DatabaseCommand | PlainCommand;

interface CommandBase {
  /** The text of `sess <command> --help`. */
  usage: string;
  /** The options it takes besides `--help` (and `--url`, `--table` when it uses the database). */
  options: readonly OptionName[];
}

/** A command that works on the session table: it takes `--url` (or `DATABASE_URL`) and `--table`. */
export interface DatabaseCommand extends CommandBase {
  database?: true | undefined;
  run(ctx: Context): Promise<number>;
}

/** A command that never opens a database: `--url`, `--table` and `DATABASE_URL` do not apply. */
export interface PlainCommand extends CommandBase {
  database: false;
  run(ctx: Pick<Context, 'values' | 'io'>): Promise<number>;
}

/** What a command runs with. */
export interface Context {
  values: Values;
  io: CliIo;
  /** The session table (`--table`), checked by core's rule. */
  table: string;
  /** The database that `--url` or `DATABASE_URL` names. */
  target: DatabaseTarget;
  /** Opens the database (exit 3 when it does not answer); closed by the runner. */
  open(options?: Pick<ConnectOptions, 'create' | 'readonly' | 'queryTimeoutMs'>): Promise<Kysely<any>>;
}

/** Ends the command with a usage error (exit 2). */
export function usage(message: string): never {
  throw new CliError(ExitCode.USAGE, message);
}

/** The value of a required option. */
export function required(flag: string, value: string | undefined): string {
  if (value === undefined || value === '') usage(`${flag} ID is required`);
  return value;
}

/** A whole number of at least 1. */
export function positiveInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1)
    usage(`${flag} must be a whole number of at least 1 (got ${text})`);
  return Number(text);
}

/** A time as `2026-01-31 12:34Z`. */
export function when(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** One line for a failed operation, with a hint when the table is missing. */
export function describeFailure(error: unknown, table: string): string {
  const cause = error instanceof SessionError && error.cause !== undefined ? error.cause : error;
  const text = errorText(cause);
  const e = cause as { code?: unknown; errno?: unknown } | null;
  const missing =
    e?.code === '42P01' || e?.errno === 1146 || /no such table|does not exist|doesn't exist/i.test(text);
  return missing ? `${text} (run \`sess migrate --table ${table}\` first)` : text;
}

/**
 * The exit codes of `sess`. Scripts and job runners can rely on them.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | done (also after a clean stop on SIGINT/SIGTERM) |
 * | 1 | the operation failed (a query failed, the table is missing) |
 * | 2 | usage error (unknown command or option, bad value, no or unsupported database URL, its driver not installed) |
 * | 3 | the database is unreachable (connection refused, bad credentials, no SQLite file) |
 * | 4 | not found (`sessions revoke --session` named no session) |
 */
export const ExitCode = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  UNREACHABLE: 3,
  NOT_FOUND: 4,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that ends the command with one line on stderr and a specific exit code. */
export class CliError extends Error {
  /** The process exit code this error maps to. */
  readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** The most useful one-line text of a driver error (Node's AggregateError for a refused connection has none). */
export function errorText(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0 && !error.message) {
    return errorText(error.errors[0]);
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const text = error.message || (typeof code === 'string' ? code : error.name);
    return text.replace(/\s+/g, ' ').trim();
  }
  return String(error).replace(/\s+/g, ' ').trim();
}

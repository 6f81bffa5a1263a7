import { type Duration, durationToMs, SessionStore, startCleanup } from '@sess/core';
import { COMMON, type Command, describeFailure, positiveInt, usage } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatCount, Progress } from '../progress.js';

/** `sess cleanup [--watch]`: deletes expired sessions, once or on a schedule. */
export const cleanup: Command = {
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
};

import { type Duration, durationToMs } from './duration.js';
import { SessionError } from './errors.js';
import type { SessionStore } from './session-store.js';

/** Options of {@link startCleanup}. */
export interface StartCleanupOptions {
  /** Time between the end of one run and the start of the next. @default 15 minutes */
  interval?: Duration | undefined;
  /** Rows per delete batch. @default 1000 */
  batchSize?: number | undefined;
  /** Called with each failed run's error; the next run still happens. @default console.error */
  onError?: ((error: unknown) => void) | undefined;
  /** Called after each successful run with the number of sessions deleted. */
  onRun?: ((deleted: number) => void) | undefined;
  /** Aborting it stops the job like {@link CleanupJob.stop}. */
  signal?: AbortSignal | undefined;
  /** Run once right away instead of after the first interval. @default true */
  runImmediately?: boolean | undefined;
  /** Keep the Node process alive while the job waits. @default false (the timer is unref'd) */
  keepAlive?: boolean | undefined;
}

/** A running cleanup job. */
export interface CleanupJob {
  /** Stops the job: no new run starts; resolves once a run in progress has finished its current batch. */
  stop(): Promise<void>;
  /** Runs a cleanup now (or joins the one in progress) and resolves its count. */
  runNow(): Promise<number>;
  /** True until stopped. */
  readonly running: boolean;
}

/**
 * Runs `store.cleanupExpired()` on a timer. Runs never overlap (the next is scheduled when one ends), a failed run
 * is reported to `onError` and the next run still happens, and the timer is unref'd so the job alone keeps no
 * process alive.
 *
 * @example
 * ```ts
 * const job = startCleanup(store, { interval: '15m', onError: (e) => log.error(e) })
 * process.on('SIGTERM', () => job.stop())
 * ```
 */
export function startCleanup(store: SessionStore, options: StartCleanupOptions = {}): CleanupJob {
  const intervalMs = durationToMs('interval', options.interval ?? '15m');
  if (intervalMs <= 0)
    throw new SessionError(
      'INVALID_CONFIG',
      'Invalid sess configuration: `interval` must be greater than 0.',
    );
  const batchSize = options.batchSize ?? 1000;
  const onError = options.onError ?? ((error: unknown) => console.error('[sess] cleanup failed:', error));
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<number> | undefined;
  let stopped = false;

  const report = (error: unknown) => {
    try {
      onError(error);
    } catch {
      // a throwing reporter must not stop the job
    }
  };

  const run = (): Promise<number> => {
    if (inFlight) return inFlight;
    inFlight = store
      .cleanupExpired({ batchSize, signal: abort.signal })
      .then(
        (deleted) => {
          try {
            options.onRun?.(deleted);
          } catch (error) {
            // a throwing onRun must neither stop the job nor surface as an unhandled rejection
            report(error);
          }
          return deleted;
        },
        (error: unknown) => {
          report(error);
          return 0;
        },
      )
      .finally(() => {
        inFlight = undefined;
        schedule();
      });
    return inFlight;
  };

  const schedule = () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), intervalMs);
    if (!options.keepAlive) timer.unref?.();
  };

  const onAbort = () => void stop();
  const stop = async () => {
    stopped = true;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    abort.abort();
    await inFlight;
  };

  if (options.signal) {
    if (options.signal.aborted) stopped = true;
    else options.signal.addEventListener('abort', onAbort, { once: true });
  }
  if (!stopped) {
    if (options.runImmediately ?? true) void run();
    else schedule();
  }

  return {
    stop,
    runNow: run,
    get running() {
      return !stopped;
    },
  };
}

import { fileURLToPath } from 'node:url';
import { type Duration, migrateToLatest, SessionStore, startCleanup } from '@sess/core';
import { openDatabase, readSessionSettings } from '@sess/demo-kit';

/** The demo app's SQLite file, used when DATABASE_URL is unset. */
const DEMO_APP_DATABASE = fileURLToPath(new URL('../../hono-app/data/sess.sqlite', import.meta.url));

/**
 * A standalone cleanup worker: shares the app's database, deletes expired sessions on a schedule, and on SIGTERM
 * or SIGINT waits for the batch in progress, closes the database and exits 0.
 *
 * Configuration (environment):
 * - `DATABASE_URL`: the app's database: `postgres://…`, `mysql://…`/`mariadb://…`, or a SQLite file path
 *   (`sqlite:`/`file:` prefixes allowed; default: the demo app's SQLite file)
 * - `SESS_TABLE`: the session table (default `sess_sessions`)
 * - `CLEANUP_INTERVAL`: time between runs, e.g. `30s`, `15m` (default `15m`)
 * - `CLEANUP_BATCH_SIZE`: rows per delete statement (default 1000)
 */
async function main(): Promise<void> {
  const tableName = readSessionSettings().tableName ?? 'sess_sessions';
  const interval = (process.env.CLEANUP_INTERVAL || '15m') as Duration;
  const batchSize = Number(process.env.CLEANUP_BATCH_SIZE || 1000);
  const log = (message: string) => console.log(`${new Date().toISOString()} [cleanup-worker] ${message}`);

  // Two connections are plenty for one delete at a time; a dropped PostgreSQL connection is logged, never fatal.
  const { db, description } = openDatabase(process.env.DATABASE_URL, {
    sqlitePath: DEMO_APP_DATABASE,
    poolSize: 2,
    log,
  });
  // Idempotent and safe when the app migrates at the same moment: the worker may start first.
  await migrateToLatest(db, { tableName });
  const store = new SessionStore(db, { tableName });

  const job = startCleanup(store, {
    interval,
    batchSize,
    // The job's timer is unref'd by default (a library must not keep an app alive); here it IS the process.
    keepAlive: true,
    onRun: (deleted) => log(`deleted ${deleted} expired sessions`),
    onError: (error) => log(`cleanup failed, retrying at the next interval: ${(error as Error).message}`),
  });
  log(`started on ${description}, table ${tableName}, every ${interval}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received: waiting for the batch in progress`);
    await job.stop();
    await db.destroy();
    log('stopped');
    process.exitCode = 0;
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`[cleanup-worker] failed to start: ${(error as Error).message ?? String(error)}`);
  process.exitCode = 1;
});

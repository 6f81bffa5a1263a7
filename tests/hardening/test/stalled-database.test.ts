// A stalled database: between the app and the server sits a TCP proxy that, when stalled, keeps every connection
// open and forwards nothing (a network partition, a hung server). No connection breaks, so nothing but a timeout
// gets a request out. Requests must get 503 within the store's operationTimeout (5 s by default) instead of hanging,
// and once the database answers again the pool must recover on its own: connections stuck in a stalled query are
// destroyed by the driver timeouts that `openDatabase` of @sess/demo-kit and the CLI set (docs/database-timeouts.md).
import { fileURLToPath } from 'node:url';
import { migrateToLatest } from '@sess/core';
import {
  forEachDialect,
  type StallingProxy,
  startStallingProxy,
  uniqueTableName,
  useTestDatabase,
} from '@sess/test-databases';
import {
  type NodeProcess,
  type ServerProcess,
  seedExpiredSessions,
  spawnNode,
  waitFor,
} from '@sess/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, type Reply } from './support/http-client.js';
import { startServer } from './support/server-process.js';

/** The store's default operationTimeout, and how late a 503 may come on top of it (a loaded CI machine). */
const OPERATION_TIMEOUT_MS = 5_000;
const MAX_503_MS = OPERATION_TIMEOUT_MS + 3_000;
/** A request that takes longer than this hangs: the test gives up on it. */
const HANG_MS = 20_000;
/** How long after the heal the app may take to serve requests again. */
const RECOVERY_MS = 30_000;

/** The `sess` command from source, as `pnpm sess` in this workspace would run it. */
const CLI = fileURLToPath(new URL('../../../packages/cli/src/bin.ts', import.meta.url));

interface Timed {
  reply: Reply | undefined;
  /** `undefined` when the request hung (no answer within HANG_MS) or failed at the socket. */
  status: number | undefined;
  ms: number;
}

/** One request with a time limit: a hang is a result to report, not a test timeout. */
async function timed(client: HttpClient, path: string): Promise<Timed> {
  const started = performance.now();
  try {
    const reply = await client.request(path, { signal: AbortSignal.timeout(HANG_MS) });
    return { reply, status: reply.status, ms: Math.round(performance.now() - started) };
  } catch {
    return { reply: undefined, status: undefined, ms: Math.round(performance.now() - started) };
  }
}

const signedIn = (t: Timed) => t.status === 200 && (t.reply?.body.includes('Hello, Alice') ?? false);

/**
 * `sess ...` from source through tsx (resolved from this package, the working directory of its tests), without the
 * DATABASE_URL of whoever runs the tests.
 */
function sess(args: readonly string[]): NodeProcess {
  const { DATABASE_URL: _url, SESS_DEBUG: _debug, ...env } = process.env;
  return spawnNode(['--conditions=@sess/source', '--import', 'tsx', CLI, ...args], env);
}

/** Resolves the exit code and how long it took, or `'hung'` when the process is still running after `limitMs`. */
async function exitWithin(proc: NodeProcess, since: number, limitMs: number) {
  const limit = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), limitMs).unref());
  const code = await Promise.race([proc.exited, limit]);
  if (code === 'hung') proc.kill('SIGKILL');
  return { code, ms: Math.round(performance.now() - since) };
}

function deletedSoFar(stdout: string): number {
  let total = 0;
  for (const [, n] of stdout.matchAll(/deleted ([\d,]+) expired sessions/g))
    total += Number(n?.replaceAll(',', ''));
  return total;
}

forEachDialect(
  (spec) =>
    describe('a stalled database (a proxy that holds connections open and answers nothing)', () => {
      const table = uniqueTableName('hard_stall');
      const t = useTestDatabase(spec, { sessionTables: [table] });
      let url: string;
      let proxy: StallingProxy;
      let server: ServerProcess;

      beforeAll(async () => {
        url = t.url as string;
        proxy = await startStallingProxy(url);
        server = await startServer('demo', { DATABASE_URL: proxy.route(url), SESS_TABLE: table });
      });

      afterAll(async () => {
        const code = await server?.stop();
        if (server && code !== 0) console.error(`the demo process exited with ${code}:\n${server.output()}`);
        await proxy?.close();
      });

      it('answers 503 to each of 15 concurrent requests within operationTimeout, and recovers its pool after the database is back', async () => {
        const alice = new HttpClient(server.url);
        expect((await alice.signIn('alice', 'wonderland')).status).toBe(303);
        // A busy app has a warm pool: every connection is open and idle when the database stalls.
        const warm = await Promise.all(Array.from({ length: 15 }, () => timed(alice, '/')));
        expect(warm.every(signedIn)).toBe(true);

        proxy.stall();
        const during = await Promise.all(Array.from({ length: 15 }, () => timed(alice, '/')));
        const times = during.map((r) => r.ms).sort((a, b) => a - b);
        console.log(
          `[stall] ${spec.name}: 15 requests while stalled: ${during.map((r) => r.status ?? 'hung').join(' ')}; ` +
            `${times[0]}-${times.at(-1)} ms (stuck connections: ${proxy.stuck}, of them opened while stalled: ${proxy.held})`,
        );
        for (const r of during) {
          expect(r.status, `a request while stalled (${r.ms} ms)`).toBe(503);
          expect(r.reply?.body).toContain('STORE_FAILURE');
          expect(r.ms).toBeLessThanOrEqual(MAX_503_MS);
        }

        proxy.heal();
        const healed = performance.now();
        const polls: Timed[] = [];
        await waitFor(
          'a signed-in answer after the heal',
          async () => {
            const r = await timed(alice, '/');
            polls.push(r);
            return signedIn(r);
          },
          RECOVERY_MS,
        );
        const recoveredMs = Math.round(performance.now() - healed);
        const after: Timed[] = [];
        for (let i = 0; i < 6; i++) after.push(await timed(alice, '/'));
        console.log(
          `[stall] ${spec.name}: first signed-in answer ${recoveredMs} ms after the heal ` +
            `(${polls.length} polls: ${polls.map((r) => `${r.status ?? 'hung'}/${r.ms}ms`).join(' ')}); ` +
            `then ${after.map((r) => `${r.status ?? 'hung'}/${r.ms}ms`).join(' ')}`,
        );
        for (const r of after)
          expect(signedIn(r), `a request after the recovery (${r.status}, ${r.ms} ms)`).toBe(true);

        // Served is not enough: a pool that keeps its stuck connections serves on fewer and fewer of them, until the
        // next stall takes the last one. Every connection the stall caught must be closed by the app.
        await waitFor(
          'the app to close every stalled connection',
          () => proxy.stuck === 0,
          RECOVERY_MS,
        ).catch((error: Error) => {
          throw new Error(`${error.message}: ${proxy.stuck} still open`);
        });
        console.log(
          `[stall] ${spec.name}: every stalled connection closed by the app ${Math.round(performance.now() - healed)} ms after the heal`,
        );
        expect(server.exitCode()).toBeUndefined();
      });

      it('sess stats exits 3 (database unreachable) within a bounded time instead of hanging', async () => {
        proxy.stall();
        try {
          const started = performance.now();
          const stats = sess(['stats', '--url', proxy.route(url), '--table', table]);
          const { code, ms } = await exitWithin(stats, started, HANG_MS);
          console.log(`[stall] ${spec.name}: sess stats while stalled: exit ${code} after ${ms} ms`);
          expect(code, stats.stderr).toBe(3);
          expect(stats.stderr).toMatch(/^sess: cannot connect to [^\n]+\n$/);
          expect(ms).toBeLessThanOrEqual(MAX_503_MS + 5_000); // includes starting Node with tsx
        } finally {
          proxy.heal();
        }
      });

      it('sess cleanup --watch fails its runs while stalled, cleans up again after the heal, and stops on SIGTERM while stalled', async () => {
        await migrateToLatest(t.db, { tableName: table });
        const watch = sess([
          'cleanup',
          '--watch',
          '--interval',
          '200ms',
          '--url',
          proxy.route(url),
          '--table',
          table,
        ]);
        try {
          await seedExpiredSessions(t.db, { tableName: table, count: 2 });
          await waitFor('runs before the stall', () => deletedSoFar(watch.stdout) === 2, 30_000);

          proxy.stall();
          await waitFor(
            'a failed run while stalled',
            () => watch.stderr.includes('sess: cleanup failed'),
            15_000,
          );
          proxy.heal();
          const healed = performance.now();
          await seedExpiredSessions(t.db, { tableName: table, count: 3 });
          await waitFor('runs after the heal', () => deletedSoFar(watch.stdout) === 5, RECOVERY_MS);
          console.log(
            `[stall] ${spec.name}: cleanup --watch deleted again ${Math.round(performance.now() - healed)} ms after the heal`,
          );

          // Stopping while a run is stuck: the run fails at operationTimeout, then the pool must close although a
          // connection is still stuck in its query (else the process never exits).
          proxy.stall();
          await new Promise((resolve) => setTimeout(resolve, 500));
          const stopping = performance.now();
          watch.kill('SIGTERM');
          const { code, ms } = await exitWithin(watch, stopping, HANG_MS);
          console.log(
            `[stall] ${spec.name}: cleanup --watch stopped by SIGTERM while stalled: exit ${code} after ${ms} ms`,
          );
          expect(code, watch.stderr).toBe(0);
          expect(ms).toBeLessThanOrEqual(MAX_503_MS + 2_000);
          expect(watch.stderr).not.toMatch(/Emitted 'error' event|Unhandled/);
        } finally {
          proxy.heal();
          watch.kill('SIGKILL');
        }
      });
    }),
  { only: ['postgres', 'mysql'] },
);

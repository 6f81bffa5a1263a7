/**
 * Memory: a long run of authenticated `GET /me` against Hono + @sess/hono on SQLite, in its own process as in the
 * HTTP benchmark. The server's RSS and heap are read after a full GC at the start (after login and a warm-up), in
 * the middle and at the end; the heap must stay flat between the middle and the end.
 */
import { performance } from 'node:perf_hooks';
import { load, loginMany, ServerProcess } from './http-bench.js';
import type { BenchSettings } from './lib/settings.js';
import type { Snapshot } from './servers/harness.js';

/** One reading of the memory run. */
export interface MemoryPoint {
  label: 'start' | 'middle' | 'end';
  /** Requests answered before this reading (after the warm-up). */
  requests: number;
  memory: Snapshot['memory'];
}

/** The memory run's result. */
export interface MemoryResult {
  requests: number;
  seconds: number;
  bad: number;
  points: MemoryPoint[];
  /** heapUsed at the end against the middle, minus one (0.05 = 5% more). */
  heapGrowth: number;
}

/** Runs the memory benchmark: login, a 10,000-request warm-up, then `settings.memoryRequests` in two halves. */
export async function benchMemory(
  settings: BenchSettings,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<MemoryResult> {
  const server = await ServerProcess.start('hono-sess', ['sqlite'], env);
  try {
    const cookies = await loginMany(server.port, settings.sessions);
    await load(server.port, cookies, 0, settings.connections, 10_000);
    const points: MemoryPoint[] = [];
    const read = async (label: MemoryPoint['label'], requests: number) => {
      const snap = await server.snapshot(true);
      points.push({ label, requests, memory: snap.memory });
      const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
      log(
        `  memory ${label} (${requests} requests): RSS ${mb(snap.memory.rss)} MiB, heap used ${mb(snap.memory.heapUsed)} MiB, heap total ${mb(snap.memory.heapTotal)} MiB`,
      );
    };
    await read('start', 0);
    const half = Math.floor(settings.memoryRequests / 2);
    const t0 = performance.now();
    const first = await load(server.port, cookies, 0, settings.connections, half);
    await read('middle', half);
    const second = await load(server.port, cookies, 0, settings.connections, settings.memoryRequests - half);
    const seconds = (performance.now() - t0) / 1000;
    await read('end', settings.memoryRequests);
    const middle = points[1]?.memory.heapUsed ?? Number.NaN;
    const end = points[2]?.memory.heapUsed ?? Number.NaN;
    return {
      requests: settings.memoryRequests,
      seconds,
      bad: first.non2xx + first.errors + first.timeouts + second.non2xx + second.errors + second.timeouts,
      points,
      heapGrowth: end / middle - 1,
    };
  } finally {
    await server.stop();
  }
}

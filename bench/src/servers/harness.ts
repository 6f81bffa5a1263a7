/**
 * The child-process side of the HTTP benchmark: every server under test runs alone in its own Node process, started
 * by `http-bench.ts`, and answers its snapshot requests (CPU, driver counts, memory) over the IPC channel.
 */
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { type DriverCounts, driverCounts } from '../lib/driver-counter.js';

/** Messages from the benchmark process. */
export type ToServer = { type: 'snapshot'; id: number; gc?: boolean } | { type: 'stop' };

/** A point-in-time reading of the server process. */
export interface Snapshot {
  /** performance.now() in the server process, ms. */
  at: number;
  /** User + system CPU time of the server process so far, µs. */
  cpuMicros: number;
  counts: DriverCounts;
  /** HTTP requests the server has received so far. */
  requests: number;
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number };
}

/** Messages to the benchmark process. */
export type FromServer =
  | { type: 'ready'; port: number; description: string }
  | ({ type: 'snapshot'; id: number } & Snapshot)
  | { type: 'stopped'; counts: DriverCounts }
  | { type: 'failed'; message: string };

/** Headers every benchmark request carries (the login too), so the client fingerprint stays the same. */
export const CLIENT_HEADERS = {
  'user-agent': 'sess-bench/1.0 (autocannon)',
  'accept-language': 'en',
  'accept-encoding': 'identity',
} as const;

/** The PostgreSQL pool options of a server: the run's URL and schema (`search_path`), from the environment. */
export function postgresPoolConfig(max = 10): pg.PoolConfig {
  const url = process.env.SESS_BENCH_POSTGRES_URL;
  const schema = process.env.SESS_BENCH_PG_SCHEMA;
  if (!url || !schema) throw new Error('SESS_BENCH_POSTGRES_URL and SESS_BENCH_PG_SCHEMA must be set');
  return { connectionString: url, max, options: `-c search_path=${schema}` };
}

function send(message: FromServer): void {
  process.send?.(message);
}

let requests = 0;

function snapshot(gc: boolean): Snapshot {
  if (gc) (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const m = process.memoryUsage();
  return {
    at: performance.now(),
    cpuMicros: cpu.user + cpu.system,
    counts: driverCounts(),
    requests,
    memory: { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external },
  };
}

/**
 * Starts `server` on a loopback port, tells the parent, and serves snapshot requests until told to stop; then closes
 * the server and runs `close` (pools, database handles).
 */
export async function runServer(
  description: string,
  start: () => Promise<{ server: Server; close?: () => Promise<void> }>,
): Promise<void> {
  if (!process.send) throw new Error('run this file through the benchmark (it needs an IPC channel)');
  try {
    const { server, close } = await start();
    server.keepAliveTimeout = 65_000;
    server.on('request', () => {
      requests++;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    process.on('message', (message: ToServer) => {
      if (message.type === 'snapshot') {
        send({ type: 'snapshot', id: message.id, ...snapshot(message.gc ?? false) });
      } else if (message.type === 'stop') {
        server.closeAllConnections();
        server.close(async () => {
          await close?.();
          send({ type: 'stopped', counts: driverCounts() });
          process.disconnect();
        });
      }
    });
    send({ type: 'ready', port: address.port, description });
  } catch (error) {
    send({
      type: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exitCode = 1;
    process.disconnect();
  }
}

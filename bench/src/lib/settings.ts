/**
 * Settings of a benchmark run, from the environment. `SESS_BENCH_QUICK=1` shortens everything for iterating on the
 * harness; the published figures come from a full run.
 */
export interface BenchSettings {
  /** Short rounds, fewer rows and requests. */
  quick: boolean;
  /** PostgreSQL server for every PostgreSQL figure. */
  postgresUrl: string;
  /** Sessions in the table for the store-level benchmark. */
  storeRows: number;
  /** Lookups per round of the store-level benchmark. */
  storeOps: number;
  /** Rounds of the store-level benchmark (the median is reported). */
  storeRounds: number;
  /** Pre-created sessions whose cookies the load client rotates through. */
  sessions: number;
  /** Concurrent connections of the load client. */
  connections: number;
  /** Warm-up before the measured rounds, seconds. */
  warmupSeconds: number;
  /** Measured rounds per server (the median is reported). */
  rounds: number;
  /** Length of one round, seconds. */
  roundSeconds: number;
  /** Requests of the memory run. */
  memoryRequests: number;
  /** Which parts to run: `store`, `http`, `memory` (default all). */
  parts: Set<string>;
  /** Only these HTTP servers (ids), when set. */
  servers: Set<string> | null;
  /** Write docs/benchmarks.md and the chart. */
  writeDocs: boolean;
}

function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got ${raw})`);
  return n;
}

function list(name: string): Set<string> | null {
  const raw = process.env[name];
  if (!raw) return null;
  return new Set(
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/** Reads the settings from `process.env`. */
export function readSettings(): BenchSettings {
  const quick = process.env.SESS_BENCH_QUICK === '1' || process.env.SESS_BENCH_QUICK === 'true';
  return {
    quick,
    postgresUrl:
      process.env.SESS_BENCH_POSTGRES_URL ??
      process.env.SESS_TEST_POSTGRES_URL ??
      'postgres://root@127.0.0.1:5432/test',
    storeRows: num('SESS_BENCH_STORE_ROWS', quick ? 20_000 : 100_000),
    storeOps: num('SESS_BENCH_STORE_OPS', quick ? 2_000 : 10_000),
    storeRounds: num('SESS_BENCH_STORE_ROUNDS', quick ? 3 : 5),
    sessions: num('SESS_BENCH_SESSIONS', 100),
    connections: num('SESS_BENCH_CONNECTIONS', 32),
    warmupSeconds: num('SESS_BENCH_WARMUP', quick ? 1 : 3),
    rounds: num('SESS_BENCH_ROUNDS', 3),
    roundSeconds: num('SESS_BENCH_ROUND_SECONDS', quick ? 2 : 10),
    memoryRequests: num('SESS_BENCH_MEMORY_REQUESTS', quick ? 100_000 : 1_000_000),
    parts: list('SESS_BENCH_ONLY') ?? new Set(['store', 'http', 'memory']),
    servers: list('SESS_BENCH_SERVERS'),
    writeDocs: process.env.SESS_BENCH_WRITE_DOCS !== '0',
  };
}

/**
 * `pnpm bench`: the whole benchmark in one go, on this machine. Store level (readByToken against the raw prepared
 * statement), HTTP level (sess against the alternatives), memory (1M authenticated requests). Prints the markdown
 * report and writes docs/benchmarks.md and docs/benchmarks-http.svg.
 *
 * Environment (all optional): SESS_BENCH_QUICK=1 (short rounds, for iterating), SESS_BENCH_ONLY=store,http,memory,
 * SESS_BENCH_SERVERS=hono,sess-sqlite,... , SESS_BENCH_POSTGRES_URL, SESS_BENCH_MEMORY_REQUESTS,
 * SESS_BENCH_ROUND_SECONDS, SESS_BENCH_ROUNDS, SESS_BENCH_WARMUP, SESS_BENCH_WRITE_DOCS=0, SESS_BENCH_CPU_PROF=dir
 * (CPU profiles of the servers), SESS_BENCH_NODE_ARGS (more Node flags for the servers). See bench/README.md.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpChart } from './chart.js';
import { benchServers, SERVERS, type ServerResult } from './http-bench.js';
import { machineInfo } from './lib/machine.js';
import { BenchSchema } from './lib/postgres-schema.js';
import { readSettings } from './lib/settings.js';
import { benchMemory, type MemoryResult } from './memory-bench.js';
import { type BenchReport, renderMarkdown } from './report.js';
import { benchPostgresStore, benchSqliteStore, type StoreResult } from './store-bench.js';

const settings = readSettings();
const log = (line: string) => console.error(line);
const startedAt = new Date();
const t0 = performance.now();
const loadAverage = loadavg();

const machine = await machineInfo(settings.postgresUrl);
log(
  `${machine.cpu}, ${machine.cores} cores; Node ${machine.node}; PostgreSQL ${machine.postgres}; SQLite ${machine.sqlite}; ` +
    `load average ${loadAverage.map((l) => l.toFixed(2)).join(' ')}${settings.quick ? '; QUICK MODE' : ''}`,
);
const schema = new BenchSchema(settings.postgresUrl);
await schema.create();
const env = { SESS_BENCH_POSTGRES_URL: settings.postgresUrl, SESS_BENCH_PG_SCHEMA: schema.name };

let report: BenchReport;
try {
  const store: StoreResult[] = [];
  if (settings.parts.has('store')) {
    log('\n== Store level: readByToken against the raw prepared statement');
    store.push(await benchSqliteStore(settings, log));
    store.push(await benchPostgresStore(settings, schema.name, log));
  }

  let http: ServerResult[] = [];
  let tableWrites: BenchReport['tableWrites'] = null;
  if (settings.parts.has('http')) {
    log('\n== HTTP: authenticated GET /me');
    const specs = SERVERS.filter((s) => !settings.servers || settings.servers.has(s.id));
    http = await benchServers(specs, settings, env, log);
    if (specs.some((s) => s.postgres)) tableWrites = await settledTableWrites(schema);
  }

  let memory: MemoryResult | null = null;
  if (settings.parts.has('memory')) {
    log(`\n== Memory: ${settings.memoryRequests} authenticated requests, Hono + @sess/hono on SQLite`);
    memory = await benchMemory(settings, env, log);
  }

  report = {
    startedAt,
    minutes: (performance.now() - t0) / 60_000,
    loadAverage,
    machine,
    settings,
    store,
    http,
    memory,
    tableWrites,
  };
} finally {
  await schema.drop();
}

const chartName = 'benchmarks-http.svg';
const writeDocs = settings.writeDocs && report.http.length > 0;
const markdown = renderMarkdown(report, writeDocs ? chartName : null);
console.log(`\n${markdown}`);
if (settings.writeDocs) {
  const docs = new URL('../../docs/', import.meta.url);
  writeFileSync(new URL('benchmarks.md', docs), markdown);
  if (writeDocs) {
    const subtitle = `${report.machine.cpu}, ${report.machine.cores} cores · Node ${report.machine.node} · PostgreSQL ${report.machine.postgres.split(' ')[0]} · ${settings.connections} connections, median of ${settings.rounds} × ${settings.roundSeconds} s`;
    writeFileSync(new URL(chartName, docs), httpChart(report.http, subtitle));
  }
  log(`wrote docs/benchmarks.md${writeDocs ? ` and docs/${chartName}` : ''}`);
}

/**
 * Table statistics once PostgreSQL has published them: it flushes a backend's counters about once a second while
 * busy and when the backend ends, so poll until two readings a second apart agree (at most 15 s).
 */
async function settledTableWrites(s: BenchSchema): Promise<NonNullable<BenchReport['tableWrites']>> {
  let last = '';
  let writes = await s.tableWrites();
  for (let i = 0; i < 15; i++) {
    await sleep(1_000);
    writes = await s.tableWrites();
    const key = JSON.stringify([...writes.entries()]);
    if (key === last) break;
    last = key;
  }
  return writes;
}

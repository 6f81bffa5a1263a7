/**
 * HTTP-level benchmark: each server under test runs alone in its own child process; this process logs in a fixed
 * number of sessions through the server's own login route, then drives `GET /me` with autocannon, rotating the
 * session cookies, through a warm-up and several measured rounds. Per round it reads the server's CPU time and
 * database statements (counted at the driver inside the server process), the PostgreSQL server processes' CPU time
 * and this process's own CPU time (the load client).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { machineBusySeconds, postgresCpu, postgresCpuBetween } from './lib/machine.js';
import type { BenchSettings } from './lib/settings.js';
import { median } from './lib/stats.js';
import { CLIENT_HEADERS, type FromServer, type Snapshot, type ToServer } from './servers/harness.js';

/** One server under test. */
export interface ServerSpec {
  /** Short id, for `SESS_BENCH_SERVERS` and the chart. */
  id: string;
  /** Row label. */
  label: string;
  /** File under dist/servers, without `.js`. */
  file: string;
  args?: string[];
  /** Uses PostgreSQL (its CPU is then part of the story). */
  postgres: boolean;
}

/** The servers of the HTTP benchmark, in the order they run. */
export const SERVERS: ServerSpec[] = [
  { id: 'hono', label: 'Hono, no session (ceiling)', file: 'hono-bare', postgres: false },
  {
    id: 'hono-raw-sqlite',
    label: 'Hono + hand-written SQLite lookup (floor)',
    file: 'hono-raw-sqlite',
    postgres: false,
  },
  {
    id: 'sess-sqlite',
    label: 'Hono + @sess/hono, SQLite (withStatementCache)',
    file: 'hono-sess',
    args: ['sqlite'],
    postgres: false,
  },
  {
    id: 'sess-sqlite-plain',
    label: 'Hono + @sess/hono, SQLite (bare SqliteDialect)',
    file: 'hono-sess',
    args: ['sqlite', 'plain'],
    postgres: false,
  },
  {
    id: 'sess-pg',
    label: 'Hono + @sess/hono, PostgreSQL (withPreparedStatements)',
    file: 'hono-sess',
    args: ['postgres'],
    postgres: true,
  },
  {
    id: 'sess-pg-plain',
    label: 'Hono + @sess/hono, PostgreSQL (bare PostgresDialect)',
    file: 'hono-sess',
    args: ['postgres', 'plain'],
    postgres: true,
  },
  { id: 'express', label: 'Express 5, no session (ceiling)', file: 'express-bare', postgres: false },
  {
    id: 'express-session',
    label: 'Express 5 + express-session + connect-pg-simple',
    file: 'express-session',
    postgres: true,
  },
  {
    id: 'better-auth',
    label: 'better-auth getSession (Kysely adapter)',
    file: 'better-auth',
    postgres: true,
  },
];

/** One measured round. */
export interface RoundResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  bad: number;
  serverCpu: number;
  clientCpu: number;
  postgresCpu: number;
  /** Busy CPU of the whole machine (all processes, in cores); beyond the three above, it is someone else's. */
  machineCpu: number;
  /** Server CPU time per request, µs. */
  serverMicrosPerRequest: number;
  writesPerRequest: number;
  statementsPerRequest: number;
}

/** A server's result: the median of each figure over its rounds, and the rounds themselves. */
export interface ServerResult {
  spec: ServerSpec;
  description: string;
  median: Omit<RoundResult, 'requests' | 'bad'>;
  rounds: RoundResult[];
  /** Statements the server sent over its whole life (login and warm-up included). */
  lifetime: { statements: number; writes: number };
}

/** A child process running one server. */
export class ServerProcess {
  readonly port: number;
  readonly description: string;
  readonly #child: ChildProcess;
  #next = 0;

  private constructor(child: ChildProcess, port: number, description: string) {
    this.#child = child;
    this.port = port;
    this.description = description;
  }

  /** Forks `dist/servers/<file>.js` and waits until it listens. */
  static async start(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<ServerProcess> {
    const child = fork(new URL(`./servers/${file}.js`, import.meta.url), args, {
      env: { ...process.env, NODE_ENV: 'production', ...env },
      execArgv: [
        '--expose-gc',
        ...(process.env.SESS_BENCH_CPU_PROF
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SESS_BENCH_CPU_PROF}`]
          : []),
        // e.g. `--perf-basic-prof` so that Linux `perf` names the JIT-compiled functions (bench/README.md).
        ...(process.env.SESS_BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<{ port: number; description: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${file}: not ready after 120 s`)), 120_000);
      child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before it was ready`)));
      child.once('message', (message: FromServer) => {
        clearTimeout(timer);
        if (message.type === 'ready') resolve(message);
        else if (message.type === 'failed') reject(new Error(`${file} failed to start:\n${message.message}`));
        else reject(new Error(`${file}: unexpected message ${message.type}`));
      });
    });
    child.removeAllListeners('exit');
    return new ServerProcess(child, ready.port, ready.description);
  }

  /** CPU, driver counts and memory of the server process (after a full GC when `gc`). */
  snapshot(gc = false): Promise<Snapshot> {
    const id = ++this.#next;
    return new Promise((resolve) => {
      const onMessage = (message: FromServer) => {
        if (message.type === 'snapshot' && message.id === id) {
          this.#child.off('message', onMessage);
          resolve(message);
        }
      };
      this.#child.on('message', onMessage);
      this.#child.send({ type: 'snapshot', id, gc } satisfies ToServer);
    });
  }

  /** Closes the server and its database handles, and waits for the process to end. */
  async stop(): Promise<{ statements: number; writes: number }> {
    let counts = { statements: Number.NaN, writes: Number.NaN };
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.on('message', (message: FromServer) => {
      if (message.type === 'stopped') counts = message.counts;
    });
    this.#child.send({ type: 'stop' } satisfies ToServer);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
    return counts;
  }
}

/** Logs in through the server's `POST /login` and returns the `Cookie` header value it set. */
function login(port: number, user: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: `/login?user=${user}`, headers: CLIENT_HEADERS },
      (res) => {
        res.resume();
        res.on('end', () => {
          const setCookie = res.headers['set-cookie'] ?? [];
          if ((res.statusCode ?? 500) >= 400 || setCookie.length === 0) {
            reject(new Error(`login ${user}: status ${res.statusCode}, ${setCookie.length} cookies`));
            return;
          }
          resolve(
            setCookie
              .map((c) => c.split(';')[0])
              .filter(Boolean)
              .join('; '),
          );
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Logs in `count` sessions, four at a time. */
export async function loginMany(port: number, count: number): Promise<string[]> {
  const cookies: string[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      cookies[i] = await login(port, i);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return cookies;
}

/** Runs autocannon against `GET /me` for `seconds`, rotating through `cookies`, one request per cookie in turn. */
export function load(
  port: number,
  cookies: string[],
  seconds: number,
  connections: number,
  amount?: number,
): Promise<autocannon.Result> {
  let i = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        pipelining: 1,
        ...(amount === undefined ? { duration: seconds } : { amount }),
        headers: CLIENT_HEADERS,
        requests: [
          {
            method: 'GET',
            path: '/me',
            setupRequest: (req) => {
              const cookie = cookies[i++ % cookies.length] as string;
              return { ...req, headers: { ...req.headers, cookie } };
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** One measured round: snapshots around an autocannon run. */
async function round(
  server: ServerProcess,
  cookies: string[],
  settings: BenchSettings,
): Promise<RoundResult> {
  const before = await server.snapshot();
  const client0 = cpuMicros();
  const pg0 = postgresCpu();
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const result = await load(server.port, cookies, settings.roundSeconds, settings.connections);
  const wall = (performance.now() - t0) / 1000;
  const pg1 = postgresCpu();
  const busy1 = machineBusySeconds();
  const client1 = cpuMicros();
  const after = await server.snapshot();
  // Per request as the server saw them (autocannon does not count the requests still in flight at the end).
  const requests = after.requests - before.requests;
  const serverSeconds = (after.at - before.at) / 1000;
  const serverCpuSeconds = (after.cpuMicros - before.cpuMicros) / 1e6;
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests,
    bad: result.non2xx + result.errors + result.timeouts,
    serverCpu: serverCpuSeconds / serverSeconds,
    clientCpu: (client1 - client0) / 1e6 / wall,
    postgresCpu: postgresCpuBetween(pg0, pg1) / wall,
    machineCpu: (busy1 - busy0) / wall,
    serverMicrosPerRequest: (serverCpuSeconds * 1e6) / requests,
    writesPerRequest: (after.counts.writes - before.counts.writes) / requests,
    statementsPerRequest: (after.counts.statements - before.counts.statements) / requests,
  };
}

/**
 * Benchmarks the servers. All of them start (each in its own process) and get their sessions first; then the
 * measured rounds are interleaved (round 1 of every server, then round 2, ...), each after a short warm-up, so that
 * whatever else the machine is doing at some moment is spread over all servers instead of hitting one.
 */
export async function benchServers(
  specs: ServerSpec[],
  settings: BenchSettings,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<ServerResult[]> {
  const running: { spec: ServerSpec; server: ServerProcess; cookies: string[]; rounds: RoundResult[] }[] = [];
  try {
    for (const spec of specs) {
      const server = await ServerProcess.start(spec.file, spec.args ?? [], env);
      running.push({ spec, server, cookies: [], rounds: [] });
      const t0 = performance.now();
      const entry = running[running.length - 1] as (typeof running)[number];
      entry.cookies = await loginMany(server.port, settings.sessions);
      log(
        `${spec.label}: started, ${entry.cookies.length} sessions in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    }
    for (let r = 0; r < settings.rounds; r++) {
      for (const entry of running) {
        const warm = await load(
          entry.server.port,
          entry.cookies,
          settings.warmupSeconds,
          settings.connections,
        );
        if (warm.non2xx + warm.errors > 0) {
          throw new Error(
            `${entry.spec.label}: warm-up got ${warm.non2xx} non-2xx answers and ${warm.errors} errors; the route is broken`,
          );
        }
        const result = await round(entry.server, entry.cookies, settings);
        log(
          `round ${r + 1} ${entry.spec.id}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50} ms, ` +
            `p99 ${result.p99} ms, server CPU ${(result.serverCpu * 100).toFixed(0)}%, client CPU ` +
            `${(result.clientCpu * 100).toFixed(0)}%, PostgreSQL CPU ${(result.postgresCpu * 100).toFixed(0)}%, ` +
            `machine ${(result.machineCpu * 100).toFixed(0)}%, ${result.serverMicrosPerRequest.toFixed(0)} µs server CPU/req, ` +
            `${result.writesPerRequest.toFixed(3)} writes/req, ${result.statementsPerRequest.toFixed(3)} statements/req` +
            (result.bad > 0 ? `, ${result.bad} non-2xx/errors/timeouts` : ''),
        );
        entry.rounds.push(result);
      }
    }
  } finally {
    for (const entry of running) {
      const lifetime = await entry.server.stop();
      (entry as { lifetime?: typeof lifetime }).lifetime = lifetime;
    }
  }
  return running.map(({ spec, server, rounds, ...rest }) => {
    const m = (pick: (r: RoundResult) => number) => median(rounds.map(pick));
    return {
      spec,
      description: server.description,
      median: {
        requestsPerSecond: m((r) => r.requestsPerSecond),
        p50: m((r) => r.p50),
        p99: m((r) => r.p99),
        serverCpu: m((r) => r.serverCpu),
        clientCpu: m((r) => r.clientCpu),
        postgresCpu: m((r) => r.postgresCpu),
        machineCpu: m((r) => r.machineCpu),
        serverMicrosPerRequest: m((r) => r.serverMicrosPerRequest),
        writesPerRequest: m((r) => r.writesPerRequest),
        statementsPerRequest: m((r) => r.statementsPerRequest),
      },
      rounds,
      lifetime: (rest as { lifetime?: ServerResult['lifetime'] }).lifetime ?? {
        statements: Number.NaN,
        writes: Number.NaN,
      },
    };
  });
}

/** Markdown for the terminal and for docs/benchmarks.md. */
import type { ServerResult } from './http-bench.js';
import type { MachineInfo } from './lib/machine.js';
import type { BenchSettings } from './lib/settings.js';
import { fixed, int, mib } from './lib/stats.js';
import type { MemoryResult } from './memory-bench.js';
import type { StoreResult } from './store-bench.js';

/** Everything one run measured. */
export interface BenchReport {
  startedAt: Date;
  minutes: number;
  loadAverage: number[];
  machine: MachineInfo;
  settings: BenchSettings;
  store: StoreResult[];
  http: ServerResult[];
  memory: MemoryResult | null;
  /** pg_stat_user_tables after the servers closed: table → rows inserted/updated/deleted. */
  tableWrites: Map<string, { ins: number; upd: number; del: number }> | null;
}

/** One target of the issue, judged on this run's figures. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

const pct = (x: number) => `${fixed(x * 100, 0)}%`;
const ratio = (x: number) => `${fixed(x, 2)}x`;

function byId(report: BenchReport, id: string): ServerResult | undefined {
  return report.http.find((r) => r.spec.id === id);
}

function variant(report: BenchReport, database: string, prefix: string) {
  return report.store.find((s) => s.database === database)?.variants.find((v) => v.name.startsWith(prefix));
}

/**
 * The ratio of two servers' requests/s round by round (the rounds are interleaved, so round i of each ran within a
 * minute or two of the other): shown beside the ratio of the medians, so a busy machine in one round shows.
 */
function perRound(
  a: ServerResult | undefined,
  b: ServerResult | undefined,
  show: (x: number) => string,
): string {
  if (!a || !b) return '';
  const ratios = a.rounds.map(
    (round, i) => round.requestsPerSecond / (b.rounds[i]?.requestsPerSecond ?? Number.NaN),
  );
  return `; round by round ${ratios.map(show).join(', ')}`;
}

/**
 * Warnings about the run itself: a ceiling measured below the floor, or a server whose rounds differ by more than a
 * third, means something else used the machine during the run; the ratios then say less than usual.
 */
export function noiseWarnings(report: BenchReport): string[] {
  const warnings: string[] = [];
  const hono = byId(report, 'hono');
  const floor = byId(report, 'hono-raw-sqlite');
  if (hono && floor && hono.median.requestsPerSecond < floor.median.requestsPerSecond) {
    warnings.push(
      `bare Hono (${int(hono.median.requestsPerSecond)} req/s) measured below the hand-written SQLite lookup ` +
        `(${int(floor.median.requestsPerSecond)} req/s), which does strictly more work`,
    );
  }
  for (const r of report.http) {
    const values = r.rounds.map((x) => x.requestsPerSecond);
    const spread = (Math.max(...values) - Math.min(...values)) / Math.max(...values);
    if (values.length > 1 && spread > 1 / 3) {
      warnings.push(
        `${r.spec.label}: rounds from ${int(Math.min(...values))} to ${int(Math.max(...values))} req/s`,
      );
    }
  }
  return warnings;
}

/** The targets, judged on this run. `met: null` when a part needed for it did not run. */
export function checkTargets(report: BenchReport): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const sessPg = byId(report, 'sess-pg');
  const sessSqlite = byId(report, 'sess-sqlite');
  const hono = byId(report, 'hono');
  const expressSession = byId(report, 'express-session');
  const betterAuth = byId(report, 'better-auth');
  const rps = (r: ServerResult | undefined) => r?.median.requestsPerSecond ?? Number.NaN;
  const known = (...xs: number[]) => xs.every(Number.isFinite);

  const vsExpress = rps(sessPg) / rps(expressSession);
  checks.push({
    target: 'sess on PostgreSQL ≥ 3x the requests/s of express-session + connect-pg-simple',
    measured: `${int(rps(sessPg))} / ${int(rps(expressSession))} = ${ratio(vsExpress)}${perRound(sessPg, expressSession, ratio)}`,
    met: known(vsExpress) ? vsExpress >= 3 : null,
  });
  const vsAuth = rps(sessPg) / rps(betterAuth);
  checks.push({
    target: 'sess on PostgreSQL ≥ 4x the requests/s of better-auth',
    measured: `${int(rps(sessPg))} / ${int(rps(betterAuth))} = ${ratio(vsAuth)}${perRound(sessPg, betterAuth, ratio)}`,
    met: known(vsAuth) ? vsAuth >= 4 : null,
  });
  const p99 = (sessPg?.median.p99 ?? Number.NaN) / (expressSession?.median.p99 ?? Number.NaN);
  checks.push({
    target: "sess on PostgreSQL: p99 ≤ 1/3 of express-session's",
    measured: `${sessPg?.median.p99 ?? 'n/a'} ms / ${expressSession?.median.p99 ?? 'n/a'} ms = ${ratio(p99)}`,
    met: known(p99) ? p99 <= 1 / 3 : null,
  });
  const vsHono = rps(sessSqlite) / rps(hono);
  const floor = byId(report, 'hono-raw-sqlite');
  checks.push({
    target: 'sess on SQLite ≥ 70% of the requests/s of bare Hono',
    measured:
      `${int(rps(sessSqlite))} / ${int(rps(hono))} = ${fixed(vsHono * 100, 1)}%${perRound(sessSqlite, hono, pct)}` +
      (floor
        ? ` (a hand-written lookup without any session library: ${pct(rps(floor) / rps(hono))} of bare Hono; sess: ${pct(rps(sessSqlite) / rps(floor))} of that)`
        : ''),
    met: known(vsHono) ? vsHono >= 0.7 : null,
  });
  for (const [database, limit, prefix] of [
    ['SQLite', 1.5, 'store.readByToken (SqliteDialect + withStatementCache)'],
    ['PostgreSQL', 1.15, 'store.readByToken (PostgresDialect, withPreparedStatements'],
  ] as const) {
    const v = variant(report, database, prefix);
    const plain = variant(report, database, 'store.readByToken (');
    checks.push({
      target: `readByToken on ${database} within ${limit}x of the raw prepared statement`,
      measured: v
        ? `${ratio(v.ratioToRaw)} of raw, ${ratio(v.ratioToWork)} of raw + the same hashing/parsing` +
          (plain && plain !== v ? ` (plain dialect: ${ratio(plain.ratioToRaw)} of raw)` : '')
        : 'n/a',
      met: v ? v.ratioToRaw <= limit : null,
    });
  }
  for (const r of [sessSqlite, sessPg]) {
    if (!r) continue;
    // Each session is touched once its touch interval (5 min) has passed: at most one write per session per round.
    const writes = r.rounds.map((round) => Math.round(round.writesPerRequest * round.requests));
    const requests = r.rounds.reduce((sum, round) => sum + round.requests, 0);
    checks.push({
      target: `0 database writes per authenticated read inside the touch interval (${r.spec.label})`,
      measured:
        `${fixed(r.median.writesPerRequest, 3)} writes/req, ${fixed(r.median.statementsPerRequest, 3)} statements/req; ` +
        `${int(writes.reduce((a, b) => a + b, 0))} writes in ${int(requests)} requests over the rounds (touches due)`,
      met: writes.every((w) => w <= report.settings.sessions),
    });
  }
  const memory = report.memory;
  checks.push({
    target: 'heap flat within 10% between the middle and the end of the memory run',
    measured: memory
      ? `${int(memory.requests)} requests: heap ${pct(memory.heapGrowth)} from middle to end`
      : 'n/a',
    met: memory ? Math.abs(memory.heapGrowth) <= 0.1 : null,
  });
  return checks;
}

/** What the issue says the alternatives do on this kind of machine, to check the harness against. */
const REFERENCE: { id: string; rps: string; low: number; high: number; writes?: number }[] = [
  { id: 'hono', rps: 'about 12,000', low: 12_000, high: 12_000 },
  { id: 'express', rps: 'about 3,400', low: 3_400, high: 3_400 },
  { id: 'express-session', rps: 'about 1,000', low: 1_000, high: 1_000, writes: 1 },
  { id: 'better-auth', rps: '600-670', low: 600, high: 670, writes: 0 },
];

function table(header: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(align.map((a) => (a === 'r' ? '---:' : '---'))), ...rows.map(line)].join('\n');
}

/** The full markdown report. `chart` is the relative path of the SVG, when one was written. */
export function renderMarkdown(report: BenchReport, chart: string | null): string {
  const { machine, settings } = report;
  const out: string[] = [];
  out.push(
    '# Benchmarks',
    '',
    `Generated by \`pnpm bench\` on ${report.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC in ${fixed(report.minutes, 1)} minutes` +
      (settings.quick ? ' — **quick mode** (short rounds; not for publishing)' : '') +
      '. Rerun it on your machine to compare; absolute figures depend on the machine, the ratios much less.',
    '',
    table(
      ['machine', ''],
      [
        ['CPU', `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB`],
        ['load average at start (1/5/15 min)', report.loadAverage.map((l) => l.toFixed(2)).join(' / ')],
        ['OS', machine.kernel],
        ['Node.js', machine.node],
        [
          'PostgreSQL',
          `${machine.postgres} (fsync ${machine.postgresFsync}, synchronous_commit ${machine.postgresSyncCommit}), TCP loopback`,
        ],
        ['SQLite', `${machine.sqlite} (better-sqlite3 ${machine.packages['better-sqlite3']}, WAL file)`],
        [
          'packages',
          Object.entries(machine.packages)
            .map(([name, version]) => `${name} ${version}`)
            .join(', '),
        ],
      ],
      ['l', 'l'],
    ),
    '',
  );

  const checks = checkTargets(report);
  out.push(
    '## Targets',
    '',
    table(
      ['target', 'this run', 'met'],
      checks.map((c) => [c.target, c.measured, c.met === null ? 'not run' : c.met ? 'yes' : '**no**']),
      ['l', 'l', 'l'],
    ),
    '',
  );
  const warnings = noiseWarnings(report);
  if (warnings.length > 0) {
    out.push(
      '**The machine was busy during this run** (rerun on a quiet machine before trusting the HTTP ratios):',
      '',
      ...warnings.map((w) => `- ${w}`),
      '',
    );
  }

  if (report.http.length > 0) {
    out.push(
      '## HTTP: authenticated `GET /me`',
      '',
      `${settings.sessions} sessions created through each app's own login route, their cookies rotated by the load client; ` +
        `${settings.connections} connections; ${settings.rounds} rounds of ${settings.roundSeconds} s per server, each after a ` +
        `${settings.warmupSeconds} s warm-up; medians. Each server runs alone in its own Node process; autocannon runs in ` +
        'the benchmark process; all of them and PostgreSQL share the machine. CPU is the share of one core. Statements ' +
        'and writes are counted at the driver inside the server process.',
      '',
    );
    if (chart) out.push(`![requests per second](${chart})`, '');
    out.push(
      table(
        [
          'server',
          'req/s',
          'p50 ms',
          'p99 ms',
          'server CPU',
          'server CPU µs/req',
          'load client CPU',
          'PostgreSQL CPU',
          'whole machine',
          'writes/req',
          'statements/req',
        ],
        report.http.map((r) => [
          r.spec.label,
          int(r.median.requestsPerSecond),
          String(r.median.p50),
          String(r.median.p99),
          pct(r.median.serverCpu),
          fixed(r.median.serverMicrosPerRequest, 0),
          pct(r.median.clientCpu),
          r.spec.postgres ? pct(r.median.postgresCpu) : '–',
          pct(r.median.machineCpu),
          fixed(r.median.writesPerRequest, 3),
          fixed(r.median.statementsPerRequest, 3),
        ]),
        ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
      '',
      'CPU columns are shares of one core (the machine has ' +
        `${report.machine.cores}); "whole machine" is every process's busy time from /proc/stat, so what it holds ` +
        'beyond the server, the load client and PostgreSQL was used by something else running on the machine (or ' +
        "the kernel's loopback networking).",
      '',
      'Every round, requests/s:',
      '',
      table(
        ['server', ...Array.from({ length: settings.rounds }, (_, i) => `round ${i + 1}`)],
        report.http.map((r) => [r.spec.label, ...r.rounds.map((x) => int(x.requestsPerSecond))]),
        ['l', ...Array.from({ length: settings.rounds }, () => 'r' as const)],
      ),
      '',
    );

    const refRows = REFERENCE.flatMap((ref) => {
      const r = byId(report, ref.id);
      if (!r) return [];
      const mid = (ref.low + ref.high) / 2;
      const hono = byId(report, 'hono');
      const share = hono ? r.median.requestsPerSecond / hono.median.requestsPerSecond : Number.NaN;
      const refShare = mid / 12_000;
      return [
        [
          r.spec.label,
          ref.rps,
          int(r.median.requestsPerSecond),
          ratio(r.median.requestsPerSecond / mid),
          `${pct(refShare)} → ${pct(share)}`,
          ref.writes === undefined ? '–' : `${ref.writes} → ${fixed(r.median.writesPerRequest, 3)}`,
        ],
      ];
    });
    if (refRows.length > 0) {
      out.push(
        "### The harness against the issue's reference figures",
        '',
        'What the alternatives did on the reference machine of this kind, against this run. The share of bare Hono ' +
          'compares the alternatives with each other independently of the machine speed.',
        '',
        table(
          [
            'server',
            'reference req/s',
            'this run',
            'this / reference',
            'share of bare Hono (ref → this run)',
            'writes/req (ref → this run)',
          ],
          refRows,
          ['l', 'r', 'r', 'r', 'r', 'r'],
        ),
        '',
      );
    }
    if (report.tableWrites && report.tableWrites.size > 0) {
      const writes = report.tableWrites;
      const rows = report.http
        .filter((r) => tablesOf(r.spec.id).length > 0)
        .map((r) => {
          let ins = 0;
          let upd = 0;
          let del = 0;
          for (const name of tablesOf(r.spec.id)) {
            const w = writes.get(name);
            ins += w?.ins ?? 0;
            upd += w?.upd ?? 0;
            del += w?.del ?? 0;
          }
          return [
            r.spec.label,
            tablesOf(r.spec.id).join(', '),
            int(ins),
            int(upd),
            int(del),
            int(r.lifetime.writes),
            int(r.lifetime.statements),
          ];
        });
      out.push(
        '### Cross-check at the database',
        '',
        "Over each server's whole life (its logins and warm-ups included): rows inserted, updated and deleted in its " +
          "tables according to `pg_stat_user_tables`, read after the servers' connections closed, beside the write " +
          'statements and all statements counted at the driver. (A write statement that matches no row, such as ' +
          "express-session's `regenerate()` deleting a session that does not exist, counts at the driver only.)",
        '',
        table(
          [
            'server',
            'tables',
            'rows inserted',
            'rows updated',
            'rows deleted',
            'write statements',
            'statements',
          ],
          rows,
          ['l', 'l', 'r', 'r', 'r', 'r', 'r'],
        ),
        '',
      );
    }
  }

  if (report.store.length > 0) {
    out.push(
      '## Store level: `readByToken` per call',
      '',
      'One call at a time on one table, against the raw prepared statement doing the same indexed lookup through the ' +
        'same driver in the same run, and against "raw + the same work" (SHA-256 of the token, the row turned into a ' +
        'session with parsed JSON and dates): the floor for any store that never keeps plaintext tokens. µs per call, ' +
        'median of rounds.',
      '',
    );
    for (const s of report.store) {
      out.push(
        `### ${s.database} (${int(s.rows)} sessions, ${int(s.ops)} lookups × ${s.rounds} rounds)`,
        '',
        table(
          ['variant', 'µs/call', 'vs raw', 'vs raw + same work'],
          s.variants.map((v) => [v.name, fixed(v.micros, 1), ratio(v.ratioToRaw), ratio(v.ratioToWork)]),
          ['l', 'r', 'r', 'r'],
        ),
        '',
      );
    }
  }

  if (report.memory) {
    const m = report.memory;
    out.push(
      '## Memory: Hono + @sess/hono on SQLite',
      '',
      `${int(m.requests)} authenticated requests (${settings.connections} connections, ${int(m.requests / m.seconds)} req/s, ` +
        `${int(m.bad)} not 2xx); the server process read after a full GC.`,
      '',
      table(
        ['point', 'requests', 'RSS', 'heap used', 'heap total'],
        m.points.map((p) => [
          p.label,
          int(p.requests),
          mib(p.memory.rss),
          mib(p.memory.heapUsed),
          mib(p.memory.heapTotal),
        ]),
        ['l', 'r', 'r', 'r', 'r'],
      ),
      '',
      `Heap used from the middle to the end: ${m.heapGrowth >= 0 ? '+' : ''}${pct(m.heapGrowth)}.`,
      '',
    );
  }

  out.push(
    '## Where the time goes',
    '',
    'Profiled with Linux `perf` and `pnpm --filter @sess/bench perf:owners` (bench/README.md, "Profiling a server"), ' +
      "which charges each sample to its owner; V8's `--cpu-prof` puts native time (the SQLite statement, `writev`) on " +
      'whichever JavaScript frame is on top and misled earlier rounds. Figures from 10 s recordings of the servers ' +
      'under this load on 2026-11-28 (AMD EPYC, 2 cores), server CPU per request split by owner:',
    '',
    '| owner | Hono + @sess/hono, SQLite (12,500 req/s, 78 µs/req) | hand-written SQLite lookup (21,700 req/s, 46 µs/req) | Hono + @sess/hono, PostgreSQL (6,600 req/s, 144 µs/req) |',
    '| --- | ---: | ---: | ---: |',
    '| sess (`@sess/core`, `@sess/hono`) | 10 µs (13%) | – | 13 µs (9%) |',
    '| Kysely (executor, connection mutex) | 2 µs (3%) | – | 3 µs (2%) |',
    '| database driver (better-sqlite3 with its file locks / node-postgres) | 14 µs (17%) | 7 µs (15%) | 29 µs (20%) |',
    '| Hono + @hono/node-server | 14 µs (18%) | 7 µs (16%) | 15 µs (11%) |',
    '| rest of Node.js (HTTP parser, streams, event loop) | 19 µs (25%) | 14 µs (31%) | 32 µs (22%) |',
    '| kernel (sockets, loopback TCP, wake-ups) | 17 µs (22%) | 12 µs (27%) | 48 µs (33%) |',
    '| hand-written route, GC | 2 µs (2%) | 5 µs (11%) | 3 µs (2%) |',
    '',
    '- **Fixed this round (`@sess/core`, `@sess/hono`):** the token hash and the client fingerprint use the one-shot ' +
      '`crypto.hash` (0.5 µs each instead of 1.6 µs with `createHash`); a request that changes nothing allocates no ' +
      "change sets; `@sess/hono` keeps the request's error responder in the context instead of a `WeakMap`. With these, " +
      "sess's own code is about 10 µs per request: reading the cookie, parsing the token, reading three headers and " +
      'hashing them for the fingerprint check (about 5 µs), `Vary: Cookie` on the finished response (about 2 µs: ' +
      "@hono/node-server turns its lightweight headers into a `Headers` object), the middleware's and " +
      "`requireSession()`'s async frames (about 2 µs) and the token hash.",
    '- **Fixed in earlier rounds:** the port edits the finished response in place instead of `c.header()`, which made ' +
      '@hono/node-server stream a copied web `Response` (3,000-4,800 → 6,000-8,000 req/s in quick runs); ' +
      "`withStatementCache` (Kysely's `SqliteDriver` compiles every statement anew, which cost twice the lookup) and " +
      '`withPreparedStatements` (Kysely sends PostgreSQL statements unnamed, so the server plans the lookup each time).',
    '- **The database row:** sess reads the whole 12-column session (the API returns it: device, IP, timestamps, ' +
      'data, version); better-sqlite3 builds a 12-key object per row, which with the statement costs twice the ' +
      "hand-written lookup's one-column `get` (14 µs against 7 µs). Per call, without HTTP: the raw statement, then " +
      '"raw + same work" (hash + the same row to session) at about 1.25x of it, then `readByToken` at about 1.6x: ' +
      "the rest is Kysely's executor, whose nine async functions and connection mutex cost about 2.5 µs a query on any " +
      'dialect. sess runs every query through Kysely on purpose (any dialect, your plugins, logging and tracing see it), ' +
      'so that part stays; without it `readByToken` would be at about 1.4x of raw.',
    '- **Why 70% of bare Hono is out of reach on this machine:** bare Hono is bound by the load client (about 95% of a ' +
      "core), and the hand-written lookup, which does none of sess's work (no fingerprint, no `Vary`, one column), " +
      "already lands at 73-80% of it in our runs. sess's own code plus Kysely is 12 µs of the 32 µs it spends above that floor; " +
      'the row accounts for 7 µs; the rest is the HTTP stack and the kernel, which cost more per request when the ' +
      'server, not the client, is the bottleneck (fewer requests per wake-up). Taking all of sess and Kysely away ' +
      'would leave about 66 µs per request, about 55-60% of bare Hono.',
    '',
    '## Setups',
    '',
    '- **Hono, no session** and **Express 5, no session**: `GET /me` answers a constant JSON body (the ceilings).',
    '- **Hono + hand-written SQLite lookup**: the floor of any SQLite-backed session on Hono: `GET /me` parses the ' +
      'cookie, hashes the token, runs one raw prepared better-sqlite3 statement and parses the JSON, and nothing else ' +
      '(no fingerprint check, no `Vary`, no events); sessions are created with `SessionStore.create` on the same table.',
    '- **Hono + @sess/hono**: `app.use(session({ store }))`, `GET /me` behind `requireSession()` answers ' +
      "`c.get('session').get('name')`. Store defaults (touch interval 5 min, fingerprint check on). SQLite: a WAL file " +
      'with `synchronous = NORMAL`; the recommended rows wrap the driver handle with `withStatementCache` (SQLite) or ' +
      '`withPreparedStatements` (PostgreSQL) from `@sess/core/drivers`; the other rows give Kysely the bare handle. The ' +
      'sessions are created when the servers start, so when a run lasts longer than the touch interval each session ' +
      'is touched once (one `UPDATE` per session, then none for another 5 minutes): up to 100 writes in a round, which ' +
      'the writes/req column shows as about 0.001 and the cross-check as rows updated.',
    '- **Express 5 + express-session + connect-pg-simple**: `resave: false, saveUninitialized: false`, as their READMEs ' +
      "show; `GET /me` answers `req.session.name`. express-session calls the store's `touch` on every request, which " +
      'connect-pg-simple turns into an `UPDATE` of `expire`.',
    '- **better-auth**: `betterAuth({ database: pg.Pool })` (its Kysely adapter), email and password sign-up, cookie ' +
      'cache off, served by Hono; `GET /me` answers `auth.api.getSession({ headers }).user.name`.',
    '- Every server: `NODE_ENV=production`, pg pools of 10 connections, one Node process each. Login requests and load ' +
      'requests carry the same User-Agent, Accept-Language and Accept-Encoding (sess checks the client fingerprint).',
    '',
  );
  return `${out.join('\n')}\n`;
}

/** The PostgreSQL tables a server writes to, for the cross-check. */
export function tablesOf(id: string): string[] {
  switch (id) {
    case 'sess-pg':
      return ['sess_bench_sessions'];
    case 'sess-pg-plain':
      return ['sess_bench_plain'];
    case 'express-session':
      return ['express_sessions'];
    case 'better-auth':
      return ['user', 'session', 'account', 'verification'];
    default:
      return [];
  }
}

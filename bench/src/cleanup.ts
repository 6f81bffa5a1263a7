/**
 * Benchmark: `cleanupExpired` on 1,000,000 expired sessions in PostgreSQL while another connection keeps calling
 * `readByToken` on live sessions. Prints rows deleted per second and the readByToken p50/p99 before and during the
 * cleanup. Not part of the test suite.
 *
 *   pnpm --filter @sess/bench bench:cleanup
 *
 * Environment: SESS_BENCH_POSTGRES_URL (else SESS_TEST_POSTGRES_URL, else postgres://root@127.0.0.1:5432/test),
 * SESS_BENCH_EXPIRED (1000000), SESS_BENCH_LIVE (10000), SESS_BENCH_BATCH_SIZE (1000).
 */
import { performance } from 'node:perf_hooks';
import { migrateToLatest, SessionStore, SessionToken } from '@sess/core';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';

const URL_ =
  process.env.SESS_BENCH_POSTGRES_URL ??
  process.env.SESS_TEST_POSTGRES_URL ??
  'postgres://root@127.0.0.1:5432/test';
const EXPIRED = Number(process.env.SESS_BENCH_EXPIRED ?? 1_000_000);
const LIVE = Number(process.env.SESS_BENCH_LIVE ?? 10_000);
const BATCH_SIZE = Number(process.env.SESS_BENCH_BATCH_SIZE ?? 1_000);
const BASELINE_MS = 5_000;
const TABLE = `sess_bench_${process.pid}`;

function open(max: number): Kysely<any> {
  return new Kysely<any>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: URL_, max }) }),
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function summary(samples: number[]): { n: number; p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Calls readByToken on random live tokens, one at a time, until `until()` says stop; returns latencies in ms. */
async function readLoop(
  store: SessionStore,
  tokens: SessionToken[],
  until: () => boolean,
): Promise<number[]> {
  const samples: number[] = [];
  while (!until()) {
    const token = tokens[Math.floor(Math.random() * tokens.length)] as SessionToken;
    const t0 = performance.now();
    const session = await store.readByToken(token);
    samples.push(performance.now() - t0);
    if (!session) throw new Error('a live session was not found: the benchmark is broken');
  }
  return samples;
}

const ms = (n: number) => `${n.toFixed(3)} ms`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const admin = open(1);
  const cleanerDb = open(1); // the cleanup's own connection
  const readerDb = open(1); // "another connection" for readByToken
  try {
    await migrateToLatest(admin, { tableName: TABLE });
    const now = Date.now();
    const version = (await sql<{ server_version: string }>`show server_version`.execute(admin)).rows[0]
      ?.server_version;
    console.log(`PostgreSQL ${version} at ${URL_.replace(/:[^:@/]+@/, ':****@')}, table ${TABLE}`);

    // 1. Bulk-load the expired sessions in one statement on the server.
    let t0 = performance.now();
    await sql`
      insert into ${sql.table(TABLE)}
        (id, token_hash, user_id, ip_address, user_agent, device_name, device_type, fingerprint, data,
         created_at, last_active_at, expires_at)
      select lpad(g::text, 26, '0'), encode(sha256(convert_to('expired-' || g, 'UTF8')), 'hex'),
             'user-' || (g % 50000), '203.0.113.7', 'Mozilla/5.0 (bench)', 'Chrome on Linux', 'desktop',
             repeat('f', 64), '{}',
             ${now}::bigint - 40 * 86400000::bigint, ${now}::bigint - 40 * 86400000::bigint,
             ${now}::bigint - 1 - (g % 86400000)
      from generate_series(1, ${EXPIRED}) as g`.execute(admin);
    const loadExpiredS = (performance.now() - t0) / 1000;

    // 2. Live sessions with real tokens, in multi-row inserts.
    const tokens: SessionToken[] = [];
    t0 = performance.now();
    for (let i = 0; i < LIVE; i += 1000) {
      const rows = [];
      for (let j = i; j < Math.min(LIVE, i + 1000); j++) {
        const token = SessionToken.generate();
        tokens.push(token);
        rows.push({
          id: `L${String(j).padStart(25, '0')}`,
          token_hash: token.hash(),
          user_id: `live-${j % 5000}`,
          ip_address: '203.0.113.7',
          user_agent: 'Mozilla/5.0 (bench)',
          device_name: 'Chrome on Linux',
          device_type: 'desktop',
          fingerprint: 'f'.repeat(64),
          data: '{"cart":[1,2,3]}',
          created_at: now,
          last_active_at: now,
          expires_at: now + 30 * 86_400_000,
        });
      }
      await admin.insertInto(TABLE).values(rows).execute();
    }
    await sql`analyze ${sql.table(TABLE)}`.execute(admin);
    const loadLiveS = (performance.now() - t0) / 1000;
    console.log(
      `loaded ${int(EXPIRED)} expired sessions in ${loadExpiredS.toFixed(1)} s (insert ... select generate_series), ` +
        `${int(LIVE)} live sessions in ${loadLiveS.toFixed(1)} s`,
    );

    const reader = new SessionStore(readerDb, { tableName: TABLE });
    const cleaner = new SessionStore(cleanerDb, { tableName: TABLE });

    // 3. Baseline: readByToken alone (after a short warm-up).
    await readLoop(
      reader,
      tokens,
      (
        (end) => () =>
          performance.now() > end
      )(performance.now() + 500),
    );
    const baselineEnd = performance.now() + BASELINE_MS;
    const before = summary(await readLoop(reader, tokens, () => performance.now() > baselineEnd));

    // 4. During: the cleanup on its own connection, readByToken on the other until the cleanup ends.
    let done = false;
    let batches = 0;
    t0 = performance.now();
    const cleaning = cleaner
      .cleanupExpired({ batchSize: BATCH_SIZE, onBatch: () => void batches++ })
      .finally(() => {
        done = true;
      });
    const [deleted, duringSamples] = await Promise.all([cleaning, readLoop(reader, tokens, () => done)]);
    const cleanupS = (performance.now() - t0) / 1000;
    const during = summary(duringSamples);

    const left = await admin
      .selectFrom(TABLE)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    if (deleted !== EXPIRED || Number(left.n) !== LIVE) {
      throw new Error(`expected ${EXPIRED} deleted and ${LIVE} left, got ${deleted} and ${left.n}`);
    }

    console.log(
      `cleanupExpired: deleted ${int(deleted)} rows in ${cleanupS.toFixed(1)} s, ${batches} batches of ${BATCH_SIZE} ` +
        `=> ${int(deleted / cleanupS)} rows/s`,
    );
    console.log('readByToken latency (one connection, sequential calls on random live tokens):');
    console.log(`  before cleanup: p50 ${ms(before.p50)}  p99 ${ms(before.p99)}  (${int(before.n)} calls)`);
    console.log(`  during cleanup: p50 ${ms(during.p50)}  p99 ${ms(during.p99)}  (${int(during.n)} calls)`);
    console.log(
      `  during/before:  p50 x${(during.p50 / before.p50).toFixed(2)}  p99 x${(during.p99 / before.p99).toFixed(2)}`,
    );
  } finally {
    await sql`drop table if exists ${sql.table(TABLE)}`.execute(admin);
    await sql`drop table if exists ${sql.table(`${TABLE}_migrations`)}`.execute(admin);
    await sql`drop table if exists ${sql.table(`${TABLE}_migrations_lock`)}`.execute(admin);
    await Promise.all([admin.destroy(), cleanerDb.destroy(), readerDb.destroy()]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

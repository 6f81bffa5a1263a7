// The per-request cost of sess's manager path in this process, against another build of @sess/core (a baseline) in
// the same run: an authenticated request (cookie read, signature check, token hash, one lookup, fingerprint check,
// commit) through SessionManager and a MemoryPort on better-sqlite3 with the statement cache. No HTTP: what changes
// between two builds of the core is what this measures.
//
//   SESS_BENCH_BASELINE=/path/to/old/checkout/packages/core pnpm --filter @sess/bench bench:request-path
//
// Rounds alternate between the builds; it prints the median µs per request of each and their ratio.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

type Core = typeof import('@sess/core');
type Drivers = typeof import('@sess/core/drivers');
type Testing = typeof import('@sess/core/testing');

const ROUNDS = Number(process.env.SESS_BENCH_ROUNDS ?? 7);
const REQUESTS = Number(process.env.SESS_BENCH_REQUESTS ?? 20_000);
const SECRET = 'a-very-long-secret-of-at-least-32-bytes!!';
const UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

async function load(dir: string): Promise<{ core: Core; drivers: Drivers; testing: Testing }> {
  const url = (file: string) => pathToFileURL(resolve(dir, 'dist', file)).href;
  return {
    core: (await import(url('index.js'))) as Core,
    drivers: (await import(url('drivers.js'))) as Drivers,
    testing: (await import(url('testing/index.js'))) as Testing,
  };
}

/** A signed-in browser on one build, and a function that sends one authenticated request. */
async function setUp(build: { core: Core; drivers: Drivers; testing: Testing }, signed: boolean) {
  const { core, drivers, testing } = build;
  const db = new Kysely<any>({
    dialect: new SqliteDialect({ database: drivers.withStatementCache(new Database(':memory:')) }),
  });
  await core.migrateToLatest(db);
  const store = new core.SessionStore(db, {}, signed ? { secret: SECRET } : {});
  const signIn = new testing.MemoryPort({ headers: { 'user-agent': UA } });
  const m = await core.SessionManager.load(store, signIn);
  await m.authenticate('alice', { visits: 1 });
  await m.commit();
  const cookie = signIn.cookies[0]?.value as string;
  return async () => {
    const port = new testing.MemoryPort({ headers: { 'user-agent': UA, cookie: `_session=${cookie}` } });
    const manager = await core.SessionManager.load(store, port);
    if (manager.get('visits') !== 1) throw new Error('not signed in');
    await manager.commit();
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const baselineDir = process.env.SESS_BENCH_BASELINE;
  if (!baselineDir)
    throw new Error('set SESS_BENCH_BASELINE to the packages/core folder of the build to compare with');
  const builds = {
    baseline: await load(baselineDir),
    current: await load(resolve(import.meta.dirname, '../../packages/core')),
  };
  for (const signed of [false, true]) {
    const send = {
      baseline: await setUp(builds.baseline, signed),
      current: await setUp(builds.current, signed),
    };
    const times: Record<'baseline' | 'current', number[]> = { baseline: [], current: [] };
    for (let round = 0; round <= ROUNDS; round++) {
      for (const name of round % 2
        ? (['current', 'baseline'] as const)
        : (['baseline', 'current'] as const)) {
        const started = process.hrtime.bigint();
        for (let i = 0; i < REQUESTS; i++) await send[name]();
        const us = Number(process.hrtime.bigint() - started) / 1000 / REQUESTS;
        if (round > 0) times[name].push(us); // round 0 warms up
      }
    }
    const b = median(times.baseline);
    const c = median(times.current);
    console.log(
      `${signed ? 'signed cookie  ' : 'unsigned cookie'}: baseline ${b.toFixed(2)} µs/request, current ${c.toFixed(2)} µs/request, current/baseline ${(c / b).toFixed(3)} (${ROUNDS} rounds of ${REQUESTS})`,
    );
  }
}

await main();

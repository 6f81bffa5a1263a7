// readByToken next to the physical floor: a raw better-sqlite3 prepared statement doing the same indexed lookup on
// the same table, in the same run. Prints ns/op (median of rounds) and the ratio.
//   pnpm bench:read            (from the repo root)
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest, SessionStore, SessionToken } from '../src/index.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const OPS = Number(process.env.BENCH_OPS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const sqlite = new Database(':memory:');
const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
await migrateToLatest(db);
const store = new SessionStore(db, { maxSessionsPerUser: 1_000_000 });

// Fill the table directly (create() per row would take a while): same columns as create() writes.
const now = Date.now();
const tokens: SessionToken[] = [];
const insert = sqlite.prepare(
  `insert into sess_sessions (id, token_hash, user_id, ip_address, user_agent, device_name, device_type, fingerprint, data, version, created_at, last_active_at, expires_at)
   values (?, ?, ?, '127.0.0.1', 'bench', 'Chrome on macOS', 'desktop', ?, '{"counter":1}', 0, ?, ?, ?)`,
);
sqlite.transaction(() => {
  for (let i = 0; i < ROWS; i++) {
    const token = SessionToken.generate();
    if (i % 100 === 0) tokens.push(token);
    insert.run(
      `B${String(i).padStart(25, '0')}`,
      token.hash(),
      `user${i % 5000}`,
      'f'.repeat(64),
      now,
      now,
      now + 86_400_000,
    );
  }
})();

const raw = sqlite.prepare(
  'select id, user_id, ip_address, user_agent, device_name, device_type, fingerprint, data, version, created_at, last_active_at, expires_at from sess_sessions where token_hash = ? and expires_at > ?',
);
const hashes = tokens.map((t) => t.hash());

async function measure(name: string, fn: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < 2_000; i++) await fn(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) {
    const row = await fn(i);
    if (!row) throw new Error(`${name}: lookup ${i} found nothing`);
  }
  return Number(process.hrtime.bigint() - start) / OPS;
}

// The same store over a better-sqlite3 handle whose prepare() reuses statements (Kysely's SqliteDriver prepares
// every query anew): shows how much of the gap is SQL compilation.
const cache = new Map<string, ReturnType<typeof sqlite.prepare>>();
const cachedDb = new Kysely<any>({
  dialect: new SqliteDialect({
    database: {
      close: () => {},
      prepare: (text: string) => {
        const cached = cache.get(text);
        if (cached) return cached;
        const stmt = sqlite.prepare(text);
        cache.set(text, stmt);
        return stmt;
      },
    } as never,
  }),
});
const cachedStore = new SessionStore(cachedDb, { maxSessionsPerUser: 1_000_000 });

const variants: Record<string, (i: number) => unknown> = {
  'raw prepared statement': (i) => raw.get(hashes[i % hashes.length], Date.now()),
  'raw + sha256 + JSON.parse': (i) => {
    const t = tokens[i % tokens.length] as SessionToken;
    const hash = createHash('sha256').update(Buffer.from(t.expose(), 'hex')).digest('hex');
    const row = raw.get(hash, Date.now()) as { data: string } | undefined;
    return row && { ...row, data: JSON.parse(row.data) };
  },
  'store.readByToken': (i) => store.readByToken(tokens[i % tokens.length] as SessionToken),
  'store.readByToken, statement cache': (i) =>
    cachedStore.readByToken(tokens[i % tokens.length] as SessionToken),
};

const results: Record<string, number[]> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of Object.entries(variants)) {
    results[name] ??= [];
    results[name].push(await measure(name, fn));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const floor = median(results['raw prepared statement'] as number[]);

console.log(
  `readByToken on SQLite (better-sqlite3, in memory), ${ROWS} sessions, ${OPS} lookups x ${ROUNDS} rounds, Node ${process.version}\n`,
);
console.log('| variant | ns/op (median) | ratio to raw |');
console.log('|---|---:|---:|');
for (const [name, xs] of Object.entries(results)) {
  const m = median(xs);
  console.log(`| ${name} | ${m.toFixed(0)} | ${(m / floor).toFixed(2)}x |`);
}
await db.destroy();

/**
 * Store level: `readByToken` per call against the physical floor, a raw prepared statement doing the same indexed
 * lookup through the same driver, on the same table and data in the same run; and against "raw + the same work"
 * (hash the token, parse the row into a session), the floor for any store that never keeps plaintext tokens.
 * SQLite through better-sqlite3 (a WAL file), PostgreSQL through node-postgres over TCP loopback.
 */
import { hash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { migrateToLatest, SessionStore, SessionToken } from '@sess/core';
import { withPreparedStatements, withStatementCache } from '@sess/core/drivers';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { BenchSettings } from './lib/settings.js';
import { median } from './lib/stats.js';

/** One variant's figure. */
export interface VariantResult {
  name: string;
  /** Median over the rounds, µs per call. */
  micros: number;
  /** Against the raw prepared statement. */
  ratioToRaw: number;
  /** Against raw + the same hashing and parsing. */
  ratioToWork: number;
}

/** The results of one database. */
export interface StoreResult {
  database: 'SQLite' | 'PostgreSQL';
  rows: number;
  ops: number;
  rounds: number;
  variants: VariantResult[];
}

const TABLE = 'sess_bench_store';
const COLUMNS =
  'id, user_id, ip_address, user_agent, device_name, device_type, fingerprint, data, version, created_at, last_active_at, expires_at';

interface RawRow {
  id: string;
  user_id: string;
  ip_address: string;
  user_agent: string;
  device_name: string;
  device_type: string;
  fingerprint: string;
  data: string;
  version: number | string;
  created_at: number | string;
  last_active_at: number | string;
  expires_at: number | string;
}

/** What the store does with a row besides the lookup: the same shape of result. */
function toSession(row: RawRow) {
  return {
    id: row.id,
    userId: row.user_id,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    deviceName: row.device_name,
    deviceType: row.device_type,
    fingerprint: row.fingerprint,
    data: JSON.parse(row.data) as object,
    createdAt: new Date(Number(row.created_at)),
    lastActiveAt: new Date(Number(row.last_active_at)),
    expiresAt: new Date(Number(row.expires_at)),
    version: Number(row.version),
  };
}

const sha256 = (token: SessionToken) => hash('sha256', Buffer.from(token.expose(), 'hex'), 'hex');

/** Rows of the table: every 100th token is kept for the lookups. */
function makeRows(count: number, now: number): { rows: unknown[][]; tokens: SessionToken[] } {
  const rows: unknown[][] = [];
  const tokens: SessionToken[] = [];
  for (let i = 0; i < count; i++) {
    const token = SessionToken.generate();
    if (i % 100 === 0) tokens.push(token);
    rows.push([
      `B${String(i).padStart(25, '0')}`,
      token.hash(),
      `user-${i % 5000}`,
      '127.0.0.1',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
      'Chrome on Linux',
      'desktop',
      'f'.repeat(64),
      JSON.stringify({ name: `User ${i}`, cart: [1, 2, 3] }),
      0,
      now,
      now,
      now + 86_400_000,
    ]);
  }
  return { rows, tokens };
}

async function measure(
  ops: number,
  tokens: SessionToken[],
  fn: (token: SessionToken, i: number) => unknown,
): Promise<number> {
  for (let i = 0; i < Math.min(2_000, ops); i++) await fn(tokens[i % tokens.length] as SessionToken, i);
  const start = performance.now();
  for (let i = 0; i < ops; i++) {
    const found = await fn(tokens[i % tokens.length] as SessionToken, i);
    if (!found) throw new Error(`lookup ${i} found nothing: the benchmark is broken`);
  }
  return ((performance.now() - start) * 1000) / ops;
}

async function runVariants(
  database: StoreResult['database'],
  settings: BenchSettings,
  tokens: SessionToken[],
  variants: Record<string, (token: SessionToken, i: number) => unknown>,
  log: (line: string) => void,
): Promise<StoreResult> {
  const samples = new Map<string, number[]>();
  for (let round = 0; round < settings.storeRounds; round++) {
    for (const [name, fn] of Object.entries(variants)) {
      const us = await measure(settings.storeOps, tokens, fn);
      samples.set(name, [...(samples.get(name) ?? []), us]);
    }
  }
  const names = Object.keys(variants);
  const raw = median(samples.get(names[0] as string) ?? []);
  const work = median(samples.get(names[1] as string) ?? []);
  const results = names.map((name) => {
    const micros = median(samples.get(name) ?? []);
    return { name, micros, ratioToRaw: micros / raw, ratioToWork: micros / work };
  });
  for (const r of results) {
    log(`  ${database}: ${r.name}: ${r.micros.toFixed(1)} µs (${r.ratioToRaw.toFixed(2)}x raw)`);
  }
  return {
    database,
    rows: settings.storeRows,
    ops: settings.storeOps,
    rounds: settings.storeRounds,
    variants: results,
  };
}

/** SQLite: a WAL file on disk, through better-sqlite3. */
export async function benchSqliteStore(
  settings: BenchSettings,
  log: (line: string) => void,
): Promise<StoreResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sess-bench-store-'));
  const sqlite = new Database(join(dir, 'store.db'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  const cachedDb = new Kysely<any>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  try {
    await migrateToLatest(db, { tableName: TABLE });
    const now = Date.now();
    const { rows, tokens } = makeRows(settings.storeRows, now);
    const insert = sqlite.prepare(`insert into ${TABLE} (${['token_hash', ...COLUMNS.split(', ')].join(', ')})
      values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    // column order of makeRows: id, token_hash, then the rest of COLUMNS from user_id on
    const ordered = rows.map((r) => [r[1], r[0], ...r.slice(2)]);
    sqlite.transaction(() => {
      for (const r of ordered) insert.run(r);
    })();
    sqlite.exec(`analyze ${TABLE}`);
    const raw = sqlite.prepare(`select ${COLUMNS} from ${TABLE} where token_hash = ? and expires_at > ?`);
    const hashes = new Map(tokens.map((t) => [t, t.hash()]));
    const options = { tableName: TABLE, maxSessionsPerUser: 1_000_000 };
    const store = new SessionStore(db, options);
    const cachedStore = new SessionStore(cachedDb, options);
    return await runVariants(
      'SQLite',
      settings,
      tokens,
      {
        'raw prepared statement': (t) => raw.get(hashes.get(t), Date.now()),
        'raw + sha256 + row to session': (t) => {
          const row = raw.get(sha256(t), Date.now()) as RawRow | undefined;
          return row && toSession(row);
        },
        'store.readByToken (SqliteDialect)': (t) => store.readByToken(t),
        'store.readByToken (SqliteDialect + withStatementCache)': (t) => cachedStore.readByToken(t),
      },
      log,
    );
  } finally {
    await cachedDb.destroy().catch(() => {});
    await db.destroy().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/** PostgreSQL over TCP loopback, through node-postgres. */
export async function benchPostgresStore(
  settings: BenchSettings,
  schema: string,
  log: (line: string) => void,
): Promise<StoreResult> {
  const config = { connectionString: settings.postgresUrl, options: `-c search_path=${schema}` };
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ ...config, max: 10 }) }) });
  const preparedDb = new Kysely<any>({
    dialect: new PostgresDialect({ pool: withPreparedStatements(new pg.Pool({ ...config, max: 10 })) }),
  });
  const client = new pg.Client(config);
  await client.connect();
  const rawPool = new pg.Pool({ ...config, max: 10 });
  try {
    await migrateToLatest(db, { tableName: TABLE });
    const now = Date.now();
    const { rows, tokens } = makeRows(settings.storeRows, now);
    const cols = ['id', 'token_hash', ...COLUMNS.split(', ').slice(1)];
    const types = [
      'text',
      'text',
      'text',
      'text',
      'text',
      'text',
      'text',
      'text',
      'text',
      'int',
      'int8',
      'int8',
      'int8',
    ];
    for (let start = 0; start < rows.length; start += 5_000) {
      const batch = rows.slice(start, start + 5_000);
      await client.query(
        `insert into ${TABLE} (${cols.join(', ')}) select * from unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`,
        cols.map((_, c) => batch.map((r) => r[c])),
      );
    }
    await client.query(`vacuum analyze ${TABLE}`);
    const text = `select ${COLUMNS} from ${TABLE} where token_hash = $1 and expires_at > $2`;
    const hashes = new Map(tokens.map((t) => [t, t.hash()]));
    const options = { tableName: TABLE, maxSessionsPerUser: 1_000_000 };
    const store = new SessionStore(db, options);
    const preparedStore = new SessionStore(preparedDb, options);
    return await runVariants(
      'PostgreSQL',
      settings,
      tokens,
      {
        'raw prepared statement': async (t) =>
          (await client.query({ name: 'sess_bench_read', text, values: [hashes.get(t), Date.now()] }))
            .rows[0],
        'raw + sha256 + row to session': async (t) => {
          const row = (await client.query({ name: 'sess_bench_read', text, values: [sha256(t), Date.now()] }))
            .rows[0] as RawRow | undefined;
          return row && toSession(row);
        },
        'raw prepared statement through pg.Pool': async (t) =>
          (await rawPool.query({ name: 'sess_bench_read', text, values: [hashes.get(t), Date.now()] }))
            .rows[0],
        'raw unnamed statement (parsed each time, as Kysely sends it)': async (t) =>
          (await client.query(text, [hashes.get(t), Date.now()])).rows[0],
        'store.readByToken (PostgresDialect, pg.Pool)': (t) => store.readByToken(t),
        'store.readByToken (PostgresDialect, withPreparedStatements(pg.Pool))': (t) =>
          preparedStore.readByToken(t),
      },
      log,
    );
  } finally {
    await client.end();
    await rawPool.end();
    await preparedDb.destroy();
    await db.destroy();
  }
}

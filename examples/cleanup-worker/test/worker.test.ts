import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateToLatest, SessionStore } from '@sess/core';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';

const WORKER = fileURLToPath(new URL('../dist/worker.js', import.meta.url));
const DAY = 86_400_000;
const META = {
  ipAddress: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (test)',
  deviceName: 'Firefox on Linux',
  deviceType: 'desktop' as const,
  fingerprint: 'f'.repeat(64),
};

const dir = mkdtempSync(join(tmpdir(), 'sess-worker-'));
const file = join(dir, 'sess.sqlite');
let db: Kysely<any>;

beforeAll(async () => {
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  db = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
  await migrateToLatest(db);
});
afterAll(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** Sessions the app created 40 days ago (ttl 30 days): expired now. */
async function seedExpired(n: number): Promise<void> {
  const past = new SessionStore(db, { now: () => new Date(Date.now() - 40 * DAY), maxSessionsPerUser: 100 });
  for (let i = 0; i < n; i++) await past.create(META, `user-${i}`);
}

const count = async (op: '>' | '<=') =>
  Number(
    (
      await db
        .selectFrom('sess_sessions')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('expires_at', op, Date.now())
        .executeTakeFirstOrThrow()
    ).n,
  );

async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('deletes expired sessions of the shared database on a schedule and exits 0 on SIGTERM', async () => {
  await seedExpired(5);
  const app = new SessionStore(db);
  await app.create(META, 'still-signed-in');
  await app.create(META, 'also-signed-in');

  const child = spawn(process.execPath, [WORKER], {
    env: { ...process.env, DATABASE_URL: file, CLEANUP_INTERVAL: '100ms', CLEANUP_BATCH_SIZE: '2' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  await until(() => stdout.includes('deleted 5 expired sessions'), 'the first run');
  expect(await count('<=')).toBe(0);
  await seedExpired(3); // sessions that expire while the worker runs are taken by a later run
  await until(() => stdout.includes('deleted 3 expired sessions'), 'a scheduled run');
  expect(await count('<=')).toBe(0);
  expect(await count('>')).toBe(2); // live sessions are never touched

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(stdout).toContain('SIGTERM received: waiting for the batch in progress');
  expect(stdout).toMatch(/stopped\n$/);
  expect(stderr).toBe('');
});

it('exits 1 with one line when it cannot open its database', async () => {
  const child = spawn(process.execPath, [WORKER], {
    env: { ...process.env, DATABASE_URL: join(dir, 'no', 'such', 'dir', 'sess.sqlite') },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  expect(code).toBe(1);
  expect(stderr).toMatch(/^\[cleanup-worker\] failed to start: .+\n$/);
});

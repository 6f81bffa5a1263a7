import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import ts from 'typescript';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type CleanupJob,
  migrateToLatest,
  SessionError,
  SessionStore,
  type StartCleanupOptions,
  startCleanup,
} from '../src/index.js';
import { FakeClock, Fault, failingDialect, wrapDialect } from '../src/testing/index.js';
import { sessionRow } from './support/fixtures.js';

const HOUR = 3_600_000;
const TABLE = 'sess_sessions';

/**
 * Holds each DELETE of a real SQLite database (after it ran, before its transaction commits) until released, so a
 * test can act while a batch is in progress. A dialect wrapper, not a Kysely plugin: the store runs its queries
 * without the app's plugins.
 */
class HoldDeletes {
  /** When set, every DELETE waits for this before returning its result. */
  hold: Promise<void> | null = null;
  /** Resolved each time a DELETE reaches the hold. */
  onHeld: (() => void) | null = null;

  readonly after = async (sql: string): Promise<void> => {
    if (/^\s*delete/i.test(sql) && this.hold) {
      this.onHeld?.();
      await this.hold;
    }
  };
}

/** Polls `check` on real timers until it holds (the job under test runs on real timers). */
async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const tick = (ms = 0) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('startCleanup', () => {
  let db: Kysely<any>;
  let faults: HoldDeletes;
  let outage: Fault;
  let clock: FakeClock;
  let store: SessionStore;
  let job: CleanupJob | undefined;
  let seq = 0;

  /** Inserts `count` sessions expiring `expiresInMs` from the fake now. */
  async function seed(count: number, expiresInMs: number): Promise<void> {
    const now = clock.now().getTime();
    const rows = Array.from({ length: count }, () => {
      seq += 1;
      return sessionRow(seq, { createdAt: now - HOUR, expiresAt: now + expiresInMs });
    });
    await db.insertInto(TABLE).values(rows).execute();
  }

  const countRows = async (): Promise<number> =>
    Number(
      (
        await db
          .selectFrom(TABLE)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  const start = (options: StartCleanupOptions): CleanupJob => {
    job = startCleanup(store, options);
    return job;
  };

  beforeEach(async () => {
    faults = new HoldDeletes();
    outage = new Fault();
    // The real SQLite driver, wrapped so that every statement fails while `outage` is on (a database that is down).
    db = new Kysely<any>({
      dialect: wrapDialect(
        failingDialect(new SqliteDialect({ database: new Database(':memory:') }), outage),
        () => {},
        faults.after,
      ),
    });
    await migrateToLatest(db);
    clock = new FakeClock('2030-01-01T00:00:00.000Z');
    store = new SessionStore(db, { now: clock.now });
  });
  afterEach(async () => {
    await job?.stop();
    job = undefined;
    await db.destroy();
  });

  it('deletes expired sessions on its first run and again on each interval', async () => {
    await seed(5, -1);
    await seed(3, HOUR);
    const runs: number[] = [];
    start({ interval: '20ms', onRun: (n) => runs.push(n), onError: (e) => runs.push(-1, e as never) });
    await waitFor(() => runs.length >= 1, 'the first run');
    expect(runs[0]).toBe(5);
    expect(await countRows()).toBe(3);

    clock.advance('2h'); // the live ones expire now; no sleeping
    await waitFor(() => runs.includes(3), 'a run that sees the newly expired sessions');
    expect(await countRows()).toBe(0);
    expect(runs.filter((n) => n < 0)).toEqual([]);
  });

  it('never starts a run while the previous one is still going (slow runs, short interval)', async () => {
    await seed(50, -1);
    // Each DELETE takes ~25 ms, five times the interval: a setInterval-style job would overlap.
    faults.hold = Promise.resolve();
    faults.onHeld = () => {
      faults.hold = tick(25);
    };
    const original = store.cleanupExpired.bind(store);
    let active = 0;
    let maxActive = 0;
    let started = 0;
    vi.spyOn(store, 'cleanupExpired').mockImplementation(async (options) => {
      active += 1;
      started += 1;
      maxActive = Math.max(maxActive, active);
      try {
        return await original(options);
      } finally {
        active -= 1;
      }
    });
    const errors: unknown[] = [];
    start({ interval: '5ms', batchSize: 10, onError: (e) => errors.push(e) });
    await waitFor(() => started >= 4, 'four runs');
    expect(maxActive).toBe(1);
    expect(errors).toEqual([]);
  });

  it('reports a run whose database fails to onError, and the next run succeeds', async () => {
    await seed(7, -1);
    outage.fail();
    const errors: unknown[] = [];
    const runs: number[] = [];
    start({
      interval: '20ms',
      onError: (e) => {
        errors.push(e);
        outage.heal(); // the database is back before the next run
      },
      onRun: (n) => runs.push(n),
    });

    await waitFor(() => runs.length >= 1, 'a successful run after the failed one');
    expect(errors).toHaveLength(1);
    const error = errors[0] as SessionError;
    expect(error).toBeInstanceOf(SessionError);
    expect(error.code).toBe('STORE_FAILURE');
    expect(error.message).toContain('cleanupExpired');
    expect(error.cause).toBe(outage.error);
    expect(runs[0]).toBe(7);
    expect(await countRows()).toBe(0);
    expect(job?.running).toBe(true);
  });

  it('keeps running when onRun or onError throws, without an unhandled rejection', async () => {
    await seed(2, -1);
    outage.fail();
    let runs = 0;
    let errors = 0;
    start({
      interval: '10ms',
      onError: () => {
        errors += 1;
        outage.heal();
        throw new Error('the error reporter is broken too');
      },
      onRun: () => {
        runs += 1;
        throw new Error('the run reporter is broken');
      },
    });
    // run 1 fails (onError throws), run 2 succeeds (onRun throws, reported to onError, which throws), run 3 ...
    await waitFor(() => runs >= 2, 'two successful runs');
    expect(errors).toBeGreaterThanOrEqual(2);
    expect(await countRows()).toBe(0);
  });

  it('stop() waits for the batch in progress to commit and starts no further batch', async () => {
    await seed(6, -1);
    let release!: () => void;
    faults.hold = new Promise((resolve) => {
      release = resolve;
    });
    const held = new Promise<void>((resolve) => {
      faults.onHeld = resolve;
    });
    const spy = vi.spyOn(store, 'cleanupExpired');
    const runs: number[] = [];
    start({ interval: '10ms', batchSize: 2, onRun: (n) => runs.push(n) });
    await held; // the first batch has deleted its rows but not committed

    let stopped = false;
    const stopping = job?.stop().then(() => {
      stopped = true;
    });
    expect(job?.running).toBe(false);
    await tick(30);
    expect(stopped).toBe(false); // still waiting for the batch

    release();
    await stopping;
    expect(runs).toEqual([2]); // the batch in progress finished and was counted
    expect(await countRows()).toBe(4); // ... and no other batch ran
    await tick(40);
    expect(spy).toHaveBeenCalledTimes(1); // no run after stop
  });

  it('stops when its abort signal fires, like stop()', async () => {
    await seed(1, -1);
    const controller = new AbortController();
    const spy = vi.spyOn(store, 'cleanupExpired');
    const runs: number[] = [];
    start({ interval: '10ms', signal: controller.signal, onRun: (n) => runs.push(n) });
    await waitFor(() => runs.length >= 2, 'two runs');
    controller.abort();
    expect(job?.running).toBe(false);
    const calls = spy.mock.calls.length;
    await tick(50);
    expect(spy.mock.calls.length).toBe(calls);
  });

  it('never runs when its abort signal has already fired', async () => {
    const spy = vi.spyOn(store, 'cleanupExpired');
    start({ interval: '10ms', signal: AbortSignal.abort() });
    await tick(40);
    expect(spy).not.toHaveBeenCalled();
    expect(job?.running).toBe(false);
  });

  it('runNow() joins the run in progress instead of starting a second one', async () => {
    await seed(3, -1);
    const spy = vi.spyOn(store, 'cleanupExpired');
    start({ interval: '1h', runImmediately: false });
    const [a, b] = await Promise.all([job?.runNow(), job?.runNow()]);
    expect(a).toBe(3);
    expect(b).toBe(3);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('rejects an interval of 0 with INVALID_CONFIG', () => {
    expect(() => startCleanup(store, { interval: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining('interval') }),
    );
  });
});

describe('startCleanup timer and the Node process', () => {
  // A child `node` process needs JavaScript: transpile core's sources once into a temporary directory whose
  // node_modules points at this package's, so the child imports kysely and better-sqlite3 as usual.
  const here = dirname(fileURLToPath(import.meta.url));
  const pkg = join(here, '..');
  const out = mkdtempSync(join(tmpdir(), 'sess-cleanup-child-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  function transpileCore(): void {
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
      );
    for (const file of walk(join(pkg, 'src'))) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      const target = join(out, relative(join(pkg, 'src'), file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, outputText);
    }
    writeFileSync(join(out, 'package.json'), '{"type":"module"}');
    symlinkSync(join(pkg, 'node_modules'), join(out, 'node_modules'), 'dir');
    writeFileSync(
      join(out, 'child.js'),
      `import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest, SessionStore, startCleanup } from './index.js';
const db = new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
await migrateToLatest(db);
startCleanup(new SessionStore(db), {
  interval: '1h',
  keepAlive: process.argv[2] === 'keep-alive',
  onRun: (n) => console.log('ran', n),
});
`,
    );
  }
  transpileCore();

  /**
   * Runs the child and kills it `aliveForMs` after its first cleanup run (whether it is still alive then is the
   * question), or after `maxMs` in any case. Counting from the first run, not from the spawn, keeps a slow start on a
   * loaded machine from looking like a process that exited.
   */
  function runChild(mode: string, aliveForMs: number | null, maxMs = 30_000) {
    return new Promise<{ code: number | null; signal: string | null; stdout: string; ms: number }>(
      (resolve) => {
        const started = Date.now();
        const child = execFile(process.execPath, [join(out, 'child.js'), mode], (_error, stdout) => {
          clearTimeout(cap);
          resolve({ code: child.exitCode, signal: child.signalCode, stdout, ms: Date.now() - started });
        });
        const cap = setTimeout(() => child.kill('SIGKILL'), maxMs);
        cap.unref();
        if (aliveForMs !== null) {
          child.stdout?.once('data', () => setTimeout(() => child.kill('SIGKILL'), aliveForMs).unref());
        }
      },
    );
  }

  it('lets the process exit by itself: a job with a 1 h interval keeps no timer alive', async () => {
    const result = await runChild('default', null);
    expect(result.stdout).toContain('ran 0');
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
  });

  it('keeps the process alive when asked to (keepAlive: true)', async () => {
    const result = await runChild('keep-alive', 1_000);
    expect(result.stdout).toContain('ran 0');
    expect(result.signal).toBe('SIGKILL');
  });
});

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '@sess/test-kit';

/** The example's folder (wrangler.jsonc, migrations/). */
const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));
/** wrangler's CLI entry in this package's node_modules. */
const WRANGLER = join(APP_DIR, 'node_modules/wrangler/bin/wrangler.js');

/** The environment of every wrangler run: no usage metrics sent. */
const ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false' };

/**
 * True when the Worker tests must be skipped: wrangler is not installed, on a laptop outside CI. Under CI a missing
 * wrangler is an error (it is a devDependency: `pnpm install` puts it there), so this throws there.
 */
export function skipWorkerTests(): string | false {
  if (existsSync(WRANGLER)) return false;
  const why = `Worker tests skipped: no wrangler at ${WRANGLER} (pnpm install)`;
  if (process.env.CI) throw new Error(why.replace('skipped', 'cannot run'));
  console.warn(`[hono-workers] ${why}`);
  return why;
}

/** `wrangler dev` serving the example on workerd, with its own local D1 database in a temporary folder. */
export interface WranglerDev {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Everything wrangler printed so far. */
  output(): string;
  /** Runs SQL on the local D1 database (`wrangler d1 execute --local`); resolves the rows of the last statement. */
  query<R = Record<string, unknown>>(sql: string): Promise<R[]>;
  /** Stops wrangler and removes the database. */
  stop(): Promise<void>;
}

const run = promisify(execFile);

function wrangler(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [WRANGLER, ...args], { cwd: APP_DIR, env: ENV, maxBuffer: 16 << 20 });
}

/**
 * Applies `migrations/` to a new local D1 database and starts `wrangler dev --local` on free loopback ports, with a
 * signing secret and `LOCAL_HTTP=true` from an env file (so a developer's .dev.vars never leaks in). Resolves once
 * wrangler prints `Ready on http://127.0.0.1:PORT`; rejects with its output when it exits first or within 60 s.
 */
export async function startWranglerDev(): Promise<WranglerDev> {
  const dir = mkdtempSync(join(tmpdir(), 'sess-hono-workers-'));
  const persist = join(dir, 'state');
  const envFile = join(dir, 'test.env');
  writeFileSync(envFile, `SESSION_SECRET=${'test-secret-'.repeat(4)}\nLOCAL_HTTP=true\n`);
  await wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist]);
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      WRANGLER,
      'dev',
      '--local',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      persist,
      '--env-file',
      envFile,
      '--show-interactive-dev-session=false',
    ],
    { cwd: APP_DIR, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`wrangler dev was not ready within 60 s:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /Ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (ready) {
        clearTimeout(timer);
        resolve(ready);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`wrangler dev exited with ${code} before it was ready:\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    async query<R>(sql: string): Promise<R[]> {
      const { stdout } = await wrangler([
        'd1',
        'execute',
        'DB',
        '--local',
        '--persist-to',
        persist,
        '--json',
        '--command',
        sql,
      ]);
      const results = JSON.parse(stdout) as { results: R[] }[];
      return results.at(-1)?.results ?? [];
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timeout);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package folder: the Next.js app under test. */
export const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const NEXT_BIN = join(APP_DIR, 'node_modules', 'next', 'dist', 'bin', 'next');

/** Next's environment: production, no telemetry, and none of this process's database settings. */
function nextEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    SESS_EDGE_DATABASE_URL: '',
    SESS_EDGE_WS_PROXY: '',
    SESS_TABLE: '',
    SESS_EDGE_CONNECTIONS: '',
    ...env,
  };
}

/** Runs `next build` in `dir` (the app folder by default); resolves its exit code and output. */
export async function runNextBuild(dir = APP_DIR): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [NEXT_BIN, 'build'], {
    cwd: dir,
    env: nextEnv({}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

/** Runs `next build` in the app folder; resolves its output, rejects with it on a non-zero exit. */
export async function nextBuild(): Promise<string> {
  const { code, output } = await runNextBuild();
  if (code !== 0) throw new Error(`next build exited with ${code}:\n${output}`);
  return output;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A `next start` of the built app on a loopback port. */
export interface RunningNext {
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `next start` on a free port of 127.0.0.1 with `env` and waits until it answers. */
export async function nextStart(env: Record<string, string>): Promise<RunningNext> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [NEXT_BIN, 'start', '-H', '127.0.0.1', '-p', String(port)],
    {
      cwd: APP_DIR,
      env: nextEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    try {
      // The 404 page: it answers without touching the database.
      await fetch(`${url}/_ready`, { signal: AbortSignal.timeout(2_000) });
      return { url, output: () => output, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`next start did not answer within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

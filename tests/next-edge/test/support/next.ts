import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningNext, startNextServer } from '@sess/test-kit';

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

/** A `next start` of the built app on a loopback port. */
export type { RunningNext };

/** Starts `next start` on a free port of 127.0.0.1 with `env` and waits until it answers. */
export function nextStart(env: Record<string, string>): Promise<RunningNext> {
  return startNextServer({
    appDir: APP_DIR,
    env: nextEnv(env),
    // The 404 page: it answers without touching the database.
    ready: async (url) => {
      await fetch(`${url}/_ready`, { signal: AbortSignal.timeout(2_000) });
      return true;
    },
  });
}

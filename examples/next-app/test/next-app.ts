import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningNext, startNextServer } from '@sess/test-kit';

/** The example's folder. */
export const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the end-to-end tests save a screenshot of each page (`artifacts/` at the repository root, not in git). */
export const SCREENSHOT_DIR = join(APP_DIR, '..', '..', 'artifacts', 'next-app');

declare module 'vitest' {
  export interface ProvidedContext {
    /** What `next build` printed (test/global-setup.ts). */
    nextBuildLog: string;
  }
}

const NEXT_BIN = join(APP_DIR, 'node_modules', 'next', 'dist', 'bin', 'next');

/**
 * The build the end-to-end tests run, in a folder of its own. `.next` is not theirs: turbo builds it, or restores it
 * from its cache, for the hardening suite while these tests run, and two builds in one folder break each other
 * ("Another next build process is already running", or files replaced under a running `next start`).
 */
export const E2E_DIST_DIR = '.next-e2e';

/**
 * Runs the Next.js CLI in the app folder on the tests' own build dir; resolves its output, rejects with it on a
 * non-zero exit.
 */
export async function runNext(args: string[], env: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, [NEXT_BIN, ...args], {
    cwd: APP_DIR,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: E2E_DIST_DIR, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`next ${args.join(' ')} exited with ${code}:\n${output}`);
  return output;
}

/** A `next start` of the built app on a loopback port. */
export type RunningApp = RunningNext;

/**
 * Starts the app built by {@link runNext} with `next start` on 127.0.0.1 and waits until it answers. The server logs
 * every session event (`SESS_LOG_EVENTS=1`), so a failed test can say what happened to a session.
 */
export function startNext(env: Record<string, string>): Promise<RunningApp> {
  return startNextServer({
    appDir: APP_DIR,
    env: {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: '1',
      NODE_ENV: 'production',
      NEXT_DIST_DIR: E2E_DIST_DIR,
      SESS_LOG_EVENTS: '1',
      ...env,
    },
    ready: async (url) => (await fetch(`${url}/api/me`)).status === 401,
  });
}

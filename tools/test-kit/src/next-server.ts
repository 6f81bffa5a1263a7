import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** A `next start` of a built app on a loopback port. */
export interface RunningNext {
  readonly url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Ends the server and whatever it started (SIGTERM to its process group, SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** Options of {@link startNextServer}. */
export interface NextServerOptions {
  /** The app's folder (its `node_modules/next` runs it). */
  appDir: string;
  /** The whole environment of the server. */
  env: NodeJS.ProcessEnv;
  /** True once `url` answers as the app does when it is ready. */
  ready(url: string): Promise<boolean>;
}

/**
 * Starts `next start` of the app built in `appDir` on a free port of 127.0.0.1, in its own process group, and
 * resolves once `ready` says so. Rejects with its output when it exits first or is not ready within 60 s.
 */
export async function startNextServer(options: NextServerOptions): Promise<RunningNext> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const next = join(options.appDir, 'node_modules', 'next', 'dist', 'bin', 'next');
  const child = spawn(process.execPath, [next, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: options.appDir,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stop() ends the server and anything it started, and nothing else.
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    try {
      if (await options.ready(url)) return { url, output: () => output, stop };
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

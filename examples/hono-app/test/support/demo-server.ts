import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The example's folder, where `src/server.ts` lives. */
export const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** A running demo server process. */
export interface DemoServer {
  /** The URL it printed, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Sends SIGTERM and resolves the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `src/server.ts` the way `pnpm demo` does (TypeScript through tsx, workspace packages from source) on a
 * free loopback port, and resolves once it prints its URL.
 */
export function startDemoServer(env: Record<string, string>): Promise<DemoServer> {
  const child = spawn(process.execPath, ['--conditions=@sess/source', '--import', 'tsx', 'src/server.ts'], {
    cwd: APP_DIR,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', DATABASE_URL: '', SESS_TABLE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo server printed no URL within 30 s:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ url, output: () => output, stop: () => stop(child, exited) });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`demo server exited with ${code} before printing its URL:\n${output}`));
    });
  });
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  if (child.exitCode === null) child.kill('SIGTERM');
  const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await exited;
  clearTimeout(timeout);
  return code;
}

import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The demo app's folder (`examples/hono-app`), where `src/server.ts` (the `pnpm demo` entry) lives. */
export const DEMO_DIR = dirname(require.resolve('hono-app/package.json'));
/** This package's folder. */
export const HARDENING_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** A server running as a child process. */
export interface ServerProcess {
  /** The URL it printed, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** The exit code, or `undefined` while it runs. */
  exitCode(): number | null | undefined;
  /** Sends SIGTERM (SIGKILL after 10 s) and resolves the exit code. */
  stop(): Promise<number | null>;
}

/** Which server to start: the demo's own entry, or this package's load-test server (the demo app plus routes). */
export type ServerEntry = 'demo' | 'hardening';

/**
 * Starts a server the way `pnpm demo` does (TypeScript through tsx, workspace packages read from source) on a free
 * loopback port, and resolves once it prints `listening on http://127.0.0.1:PORT`.
 */
export function startServer(entry: ServerEntry, env: Record<string, string>): Promise<ServerProcess> {
  // Both run from the demo's folder: tsx compiles the demo's .tsx files with the demo's tsconfig (Hono JSX).
  const script = entry === 'demo' ? 'src/server.ts' : join(HARDENING_DIR, 'test/support/hardening-server.ts');
  const child = spawn(process.execPath, ['--conditions=@sess/source', '--import', 'tsx', script], {
    cwd: DEMO_DIR,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', DATABASE_URL: '', SESS_TABLE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} printed no URL within 30 s:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({
          url,
          output: () => output,
          exitCode: () => exitCode,
          stop: () => stop(child, exited),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before printing its URL:\n${output}`));
    });
  });
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await exited;
  clearTimeout(timeout);
  return code;
}

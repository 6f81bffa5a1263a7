import { type ChildProcess, spawn } from 'node:child_process';

/** A server running as a child process. */
export interface ServerProcess {
  /** The URL it printed, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** The exit code, or `undefined` while it runs (`-1` when a signal ended it). */
  exitCode(): number | null | undefined;
  /** Sends SIGTERM (SIGKILL after 10 s) and resolves the exit code. */
  stop(): Promise<number | null>;
}

/** Options of {@link startTsxServer}. */
export interface TsxServerOptions {
  /** The folder to run in: tsx compiles with the tsconfig it finds there (the demo's, for Hono JSX). */
  cwd: string;
  /**
   * Environment on top of this process's. `HOST` is 127.0.0.1 and `PORT` 0 (a free port) unless given here;
   * `DATABASE_URL` and `SESS_TABLE` are emptied unless given, so the environment of whoever runs the tests never
   * leaks in.
   */
  env?: Record<string, string> | undefined;
}

/**
 * Starts a TypeScript server entry the way `pnpm demo` does (`node --import tsx`, workspace packages read from
 * source) and resolves once it prints `listening on http://127.0.0.1:PORT`. Rejects with its output when it exits
 * first or prints no URL within 30 s.
 */
export function startTsxServer(script: string, options: TsxServerOptions): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--conditions=@sess/source', '--import', 'tsx', script], {
    cwd: options.cwd,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', DATABASE_URL: '', SESS_TABLE: '', ...options.env },
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
        resolve({ url, output: () => output, exitCode: () => exitCode, stop: () => stop(child, exited) });
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

/** A Node.js child process whose output is collected as it prints. */
export interface NodeProcess {
  /** What it printed on stdout so far. */
  readonly stdout: string;
  /** What it printed on stderr so far. */
  readonly stderr: string;
  /** Resolves its exit code (`null` when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Sends it a signal. */
  kill(signal: NodeJS.Signals): void;
}

/** Runs `node <args>` (a built entry of a workspace package, say) with `env` as its whole environment. */
export function spawnNode(args: readonly string[], env: NodeJS.ProcessEnv = process.env): NodeProcess {
  const child = spawn(process.execPath, args, { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    kill: (signal) => {
      child.kill(signal);
    },
  };
}

/**
 * Polls `check` every 20 ms until it holds; throws `timed out waiting for <what>` after `timeoutMs`. For what a
 * test cannot await directly (another process's output, a timer of the code under test).
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

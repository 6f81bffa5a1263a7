import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CheckResult } from '../../src/conformance.js';

/** The package folder (tests/runtimes). */
export const packageDir = fileURLToPath(new URL('../..', import.meta.url));
/** A binary that the package's node_modules/.bin holds. */
export const bin = (name: string) =>
  fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));

const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };

/** Why `binary --version` does not run, or `undefined` when it does. */
export async function unavailable(binary: string): Promise<string | undefined> {
  if (!existsSync(binary)) return `${binary} is not installed (pnpm install)`;
  return new Promise((resolve) => {
    execFile(binary, ['--version'], { env, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve(
        error ? `${binary} --version failed: ${error.message} ${stderr}` : stdout ? undefined : 'no output',
      ),
    );
  });
}

/** Runs a runtime's conformance script and parses the JSON line it prints last. */
export function runConformanceScript(binary: string, args: string[]): Promise<CheckResult[]> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      { cwd: packageDir, env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const last = stdout.trim().split('\n').at(-1) ?? '';
        try {
          resolve((JSON.parse(last) as { results: CheckResult[] }).results);
        } catch {
          reject(
            new Error(
              `${binary} ${args.join(' ')} printed no results (${error?.message ?? ''})\n${stdout}\n${stderr}`,
            ),
          );
        }
      },
    );
  });
}

/** A server a runtime runs: started by {@link startServer}, stopped by `stop()` (its own process only). */
export interface ServerProcess {
  url: string;
  stop(): Promise<void>;
}

/** Starts `binary args` and waits for the `listening <port>` line it prints. */
export function startServer(binary: string, args: string[]): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(binary, args, {
      cwd: packageDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${binary} ${args.join(' ')} did not start within 30 s:\n${output}`));
    }, 30_000);
    const stop = () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${match[1]}`, stop });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${binary} ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}

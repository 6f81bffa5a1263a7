import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PLATFORMS } from './support/http.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs the fixture app in a child Node process; resolves its exit code and output, or reports a hang. */
function runFixture(platform: string, timeoutMs: number) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; hung: boolean }>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@sess/source', '--import', 'tsx', 'test/fixtures/cleanup-app.ts', platform],
      { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: null, stdout, stderr, hung: true });
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, hung: false });
    });
  });
}

describe.each(PLATFORMS)('SessionModule shutdown on %s', (platform) => {
  it('stops the cleanup timer on app.close(), so the process exits by itself', async () => {
    const result = await runFixture(platform, 20_000);
    expect(result.hung, `the app process did not exit by itself\n${result.stderr}`).toBe(false);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(report).toMatchObject({ platform, runsAfterClose: 0 });
    expect(report.runsAtClose).toBeGreaterThanOrEqual(3);
  });
});

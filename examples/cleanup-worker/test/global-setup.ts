import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The test runs the built worker as a subprocess: build it (and @sess/core, only if its dist is missing). */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const core = fileURLToPath(new URL('../../../packages/core/', import.meta.url));
  if (!existsSync(`${core}dist/index.js`)) {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: core, stdio: 'inherit' });
  }
  const here = fileURLToPath(new URL('../', import.meta.url));
  rmSync(`${here}dist`, { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: here, stdio: 'inherit' });
}

import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The tests run the built `sess` binary, so build it first (turbo's `test` task builds the dependencies, not the
 * package itself). @sess/core is built only when its dist is missing: rebuilding it here would race other
 * packages' tests that read it.
 */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const core = fileURLToPath(new URL('../../core/', import.meta.url));
  if (!existsSync(`${core}dist/index.js`)) {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: core, stdio: 'inherit' });
  }
  const cli = fileURLToPath(new URL('../', import.meta.url));
  rmSync(`${cli}dist`, { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: cli, stdio: 'inherit' });
}

import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function build(dir: string): void {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
}

/**
 * For a vitest `globalSetup` whose tests run a package's built output as a process: builds each of
 * `dependencies` whose `dist/index.js` is missing (turbo's `test` task builds them first; rebuilding here would race
 * other packages' tests that read them), then rebuilds the package itself (turbo does not build it for its own
 * tests). Builds with `tsc -p tsconfig.build.json`.
 */
export function buildForTests(packageDir: string, dependencies: readonly string[] = []): void {
  for (const dir of dependencies) {
    if (!existsSync(join(dir, 'dist', 'index.js'))) build(dir);
  }
  rmSync(join(packageDir, 'dist'), { recursive: true, force: true });
  build(packageDir);
}

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PACKAGE_DIR = fileURLToPath(new URL('../', import.meta.url));

// The published layout: `pnpm pack` (what `changeset publish` runs) unpacked where Node resolves the package's
// dependencies from packages/cli/node_modules, as it would from an app's node_modules.
describe('the packed @sess/cli', () => {
  const packDir = mkdtempSync(join(tmpdir(), 'sess-cli-pack-'));
  const unpacked = join(PACKAGE_DIR, 'node_modules', `.sess-pack-test-${process.pid}`);
  const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string };
  let files: string[];

  beforeAll(() => {
    execFileSync('pnpm', ['pack', '--pack-destination', packDir], { cwd: PACKAGE_DIR, stdio: 'ignore' });
    const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`pnpm pack wrote no tarball to ${packDir}`);
    mkdirSync(unpacked, { recursive: true });
    execFileSync('tar', ['-xzf', join(packDir, tarball), '-C', unpacked]);
    files = execFileSync('tar', ['-tzf', join(packDir, tarball)], { encoding: 'utf8' })
      .trim()
      .split('\n');
  }, 60_000);
  afterAll(() => {
    rmSync(packDir, { recursive: true, force: true });
    rmSync(unpacked, { recursive: true, force: true });
  });

  it('holds the MIT LICENSE, the README, the built bin and no tests', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package/LICENSE',
        'package/README.md',
        'package/package.json',
        'package/dist/bin.js',
      ]),
    );
    expect(readFileSync(join(unpacked, 'package', 'LICENSE'), 'utf8')).toMatch(
      /^MIT License\n\nCopyright \(c\) 2026 the sess authors\n/,
    );
    expect(files.filter((f) => f.includes('.test.'))).toEqual([]);
  });

  it('declares the drivers as optional peer dependencies, not dependencies', () => {
    const packed = JSON.parse(readFileSync(join(unpacked, 'package', 'package.json'), 'utf8'));
    for (const driver of ['better-sqlite3', 'pg', 'mysql2']) {
      expect(packed.dependencies).not.toHaveProperty(driver);
      expect(packed.peerDependencies).toHaveProperty(driver);
      expect(packed.peerDependenciesMeta[driver]).toEqual({ optional: true });
    }
    expect(packed.dependencies['@sess/core']).toBe(`^${pkg.version}`);
  });

  it('prints its version with sess -v', () => {
    const out = execFileSync(process.execPath, [join(unpacked, 'package', 'dist', 'bin.js'), '-v'], {
      encoding: 'utf8',
    });
    expect(out).toBe(`${pkg.version}\n`);
  });
});

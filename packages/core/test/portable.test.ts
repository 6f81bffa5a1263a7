import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// @sess/core and @sess/hono run on Node, Bun, Deno, Cloudflare Workers and edge runtimes: their builds import no
// `node:` module and use neither `Buffer` nor `process` (comments aside). CI builds before it tests.
const root = fileURLToPath(new URL('../../..', import.meta.url));

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.js'))
    .map((e) => join(e.parentPath, e.name));
}

function withoutComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

describe.each(['packages/core/dist', 'packages/hono/dist'])('%s', (dist) => {
  const files = jsFiles(join(root, dist));

  it('is built (run pnpm build first)', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('imports no node: module and uses no Buffer or process (only a guarded process?.getBuiltinModule)', () => {
    const found: string[] = [];
    for (const file of files) {
      const code = withoutComments(readFileSync(file, 'utf8'));
      // A static or dynamic import of a node: module fails to bundle or load there; a guarded run-time lookup
      // (`process?.getBuiltinModule?.('node:crypto')`, the Node fast path) does not.
      const imports = /\b(?:from|import|require)\s*\(?\s*['"]node:[a-z_/]+['"]/g;
      for (const pattern of [imports, /\bBuffer\b/g, /\bprocess\.\w+/g]) {
        for (const m of code.matchAll(pattern)) found.push(`${relative(root, file)}: ${m[0]}`);
      }
    }
    expect(found).toEqual([]);
  });
});

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ServerProcess, startTsxServer } from '@sess/test-kit';

const require = createRequire(import.meta.url);

/** The demo app's folder (`examples/hono-app`), where `src/server.ts` (the `pnpm demo` entry) lives. */
export const DEMO_DIR = dirname(require.resolve('hono-app/package.json'));
/** This package's folder. */
export const HARDENING_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** Which server to start: the demo's own entry, or this package's load-test server (the demo app plus routes). */
export type ServerEntry = 'demo' | 'hardening';

/**
 * Starts a server the way `pnpm demo` does (TypeScript through tsx, workspace packages read from source) on a free
 * loopback port, and resolves once it prints its URL. Both run from the demo's folder: tsx compiles the demo's
 * .tsx files with the demo's tsconfig (Hono JSX).
 */
export function startServer(entry: ServerEntry, env: Record<string, string>): Promise<ServerProcess> {
  const script = entry === 'demo' ? 'src/server.ts' : join(HARDENING_DIR, 'test/support/hardening-server.ts');
  return startTsxServer(script, { cwd: DEMO_DIR, env });
}

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

const config: NextConfig = {
  // What create-next-app turns on today: pages prerender a static shell and stream what depends on the request
  // (the session) behind <Suspense>.
  cacheComponents: true,
  partialPrefetching: true,
  // Database drivers are native or Node-only: load them from node_modules instead of bundling them
  // (better-sqlite3 and pg are on Next's own list; mysql2 is not).
  serverExternalPackages: ['better-sqlite3', 'pg', 'mysql2'],
  // The workspace root (pnpm links @sess/* from there).
  turbopack: { root },
  outputFileTracingRoot: root,
  poweredByHeader: false,
  // The test builds of this app go elsewhere (test/e2e: .next-e2e, tests/hardening: .next-hardening), so they never
  // share a folder with `next build` or with each other.
  ...(process.env.NEXT_DIST_DIR ? { distDir: process.env.NEXT_DIST_DIR } : {}),
};

export default config;

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

const config: NextConfig = {
  // Database drivers are native or Node-only: load them from node_modules instead of bundling them.
  serverExternalPackages: ['better-sqlite3', 'pg', 'mysql2'],
  // The workspace root (pnpm links @sess/* from there).
  turbopack: { root },
  outputFileTracingRoot: root,
  poweredByHeader: false,
  // A second build of this app (tests/hardening runs one beside the example's own e2e build) goes elsewhere.
  ...(process.env.NEXT_DIST_DIR ? { distDir: process.env.NEXT_DIST_DIR } : {}),
};

export default config;

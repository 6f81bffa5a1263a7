import { fileURLToPath } from 'node:url';
import { type ServerProcess, startTsxServer } from '@sess/test-kit';

/** The example's folder, where `src/server.ts` lives. */
export const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** Starts `src/server.ts` the way `pnpm demo` does, on a free loopback port (see `startTsxServer`). */
export function startDemoServer(env: Record<string, string>): Promise<ServerProcess> {
  return startTsxServer('src/server.ts', { cwd: APP_DIR, env });
}

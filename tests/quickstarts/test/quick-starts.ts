import { join } from 'node:path';
import { type QuickStart, REPO_ROOT, readQuickStart } from '../src/index.js';

/** Every README quick start this package runs: the README (from the repository root) and its heading. */
export const QUICK_STARTS = {
  root: { readme: 'README.md', heading: 'Quick start' },
  core: { readme: 'packages/core/README.md', heading: 'Quick start' },
  'core-commonjs': { readme: 'packages/core/README.md', heading: 'Using sess from CommonJS' },
  hono: { readme: 'packages/hono/README.md', heading: 'Quick start' },
  nest: { readme: 'packages/nest/README.md', heading: 'Quick start' },
  'hono-app': { readme: 'examples/hono-app/README.md', heading: 'Quick start' },
  'nest-app': { readme: 'examples/nest-app/README.md', heading: 'Quick start' },
  'cleanup-worker': { readme: 'examples/cleanup-worker/README.md', heading: 'Quick start' },
} as const;

/** The name of a quick start in {@link QUICK_STARTS}. */
export type QuickStartId = keyof typeof QUICK_STARTS;

/** Reads one quick start from its README (throws when its marks are missing). */
export function quickStart(id: QuickStartId): QuickStart {
  const { readme, heading } = QUICK_STARTS[id];
  return readQuickStart(join(REPO_ROOT, readme), heading);
}

/** The quick starts that read, for the shared set-up (one that does not read fails in its own test file). */
export function readableQuickStarts(): QuickStart[] {
  return (Object.keys(QUICK_STARTS) as QuickStartId[]).flatMap((id) => {
    try {
      return [quickStart(id)];
    } catch {
      return [];
    }
  });
}

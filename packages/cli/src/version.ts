import { createRequire } from 'node:module';

/**
 * The version of `@sess/cli`, from its package.json: `dist/version.js` and `src/version.ts` both sit one folder below
 * it, in the repository and in the published package.
 */
export function version(): string {
  const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
  return pkg.version;
}

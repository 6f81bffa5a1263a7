import { fileURLToPath } from 'node:url';
import { buildForTests } from '@sess/test-kit';

/** The test runs the built worker as a subprocess: build it (and what it imports at run time, when not built yet). */
export default function setup(): void {
  const dir = (path: string) => fileURLToPath(new URL(path, import.meta.url));
  buildForTests(dir('../'), [dir('../../../packages/core/'), dir('../../../tools/demo-kit/')]);
}

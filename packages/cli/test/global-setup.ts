import { fileURLToPath } from 'node:url';
import { buildForTests } from '@sess/test-kit';

/** The tests run the built `sess` binary: build it (and @sess/core, when not built yet) before any test file. */
export default function setup(): void {
  buildForTests(fileURLToPath(new URL('../', import.meta.url)), [
    fileURLToPath(new URL('../../core/', import.meta.url)),
  ]);
}

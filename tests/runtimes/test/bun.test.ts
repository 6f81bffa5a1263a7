import { describeRuntime } from './support/conformance-suite.js';
import {
  bin,
  runConformanceScript,
  type ServerProcess,
  startServer,
  unavailable,
} from './support/processes.js';

// The conformance checks on bun:sqlite (kysely-bun-sqlite) and the Hono app on Bun.serve, driven over HTTP.
const bun = bin('bun');
let server: ServerProcess | undefined;

describeRuntime('Bun + bun:sqlite', {
  unavailable: () => unavailable(bun),
  start: async () => {
    server = await startServer(bun, ['run', 'src/bun.ts', 'serve']);
  },
  stop: async () => {
    await server?.stop();
  },
  conformance: { '': () => runConformanceScript(bun, ['run', 'src/bun.ts', 'conformance']) },
  fetch: (path, init) => fetch(`${server?.url}${path}`, init),
});

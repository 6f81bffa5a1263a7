import { describeRuntime } from './support/conformance-suite.js';
import {
  bin,
  runConformanceScript,
  type ServerProcess,
  startServer,
  unavailable,
} from './support/processes.js';

// The conformance checks on node:sqlite (a small SqliteDialect adapter) and the Hono app on Deno.serve, driven
// over HTTP. Deno resolves the npm packages from node_modules, offline.
const deno = bin('deno');
let server: ServerProcess | undefined;

describeRuntime('Deno + node:sqlite', {
  unavailable: () => unavailable(deno),
  start: async () => {
    server = await startServer(deno, ['run', '-A', 'src/deno.ts', 'serve']);
  },
  stop: async () => {
    await server?.stop();
  },
  conformance: { '': () => runConformanceScript(deno, ['run', '-A', 'src/deno.ts', 'conformance']) },
  fetch: (path, init) => fetch(`${server?.url}${path}`, init),
});

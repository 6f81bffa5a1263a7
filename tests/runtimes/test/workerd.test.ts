import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import type { CheckResult } from '../src/conformance.js';
import { describeRuntime } from './support/conformance-suite.js';
import { packageDir } from './support/processes.js';

// The conformance checks on D1 through kysely-d1, with and without `batch: d1Batch(env.DB)`, and the Hono app,
// all inside workerd (Miniflare), WITHOUT the nodejs_compat flag: no Buffer, no process, no node: modules, so the
// portable build of @sess/core is what runs. The Worker is bundled the way wrangler would for a Worker.
let mf: Miniflare | undefined;

async function conformance(batch: boolean): Promise<CheckResult[]> {
  const response = await (mf as Miniflare).dispatchFetch(
    `http://localhost/__conformance?batch=${batch ? 1 : 0}`,
  );
  const body = (await response.json()) as { results: CheckResult[]; portable: Record<string, string> };
  if (body.portable.Buffer !== 'undefined' || body.portable.process !== 'undefined') {
    throw new Error(`workerd has Node globals (nodejs_compat on?): ${JSON.stringify(body.portable)}`);
  }
  return body.results;
}

describeRuntime('workerd + D1 (miniflare)', {
  unavailable: async () => {
    try {
      await import('miniflare');
      return undefined;
    } catch (error) {
      return `miniflare does not load: ${(error as Error).message}`;
    }
  },
  start: async () => {
    const bundle = await build({
      entryPoints: [`${packageDir}/src/worker.ts`],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker', 'browser'],
      logLevel: 'silent',
    });
    mf = new Miniflare({
      modules: [{ type: 'ESModule', path: 'worker.js', contents: bundle.outputFiles[0]?.text ?? '' }],
      compatibilityDate: '2026-04-20',
      compatibilityFlags: [],
      d1Databases: ['DB', 'APP_DB'],
      cf: false,
    });
    await mf.ready;
  },
  stop: async () => {
    await mf?.dispose();
  },
  // One after the other: both runs use the one DB database.
  conformance: (() => {
    let batched: Promise<CheckResult[]> | undefined;
    const withBatch = () => (batched ??= conformance(true));
    return {
      'with batch: d1Batch(env.DB)': withBatch,
      'without batch': async () => {
        await withBatch().catch(() => {});
        return conformance(false);
      },
    };
  })(),
  knownFailures: {
    'migrateToLatest creates the table and is idempotent':
      "Kysely's migrator introspects D1's internal _cf_KV table (SQLITE_AUTH); the Worker applies sessionMigrations() instead",
  },
  fetch: (path, init) =>
    (mf as Miniflare).dispatchFetch(`http://localhost${path}`, init as never) as unknown as Promise<Response>,
});

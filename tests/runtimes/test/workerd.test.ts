import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../src/conformance.js';
import { describeRuntime } from './support/conformance-suite.js';
import { Browser, type Fetch } from './support/http-tests.js';
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
      d1Databases: ['DB', 'APP_DB', 'NO_BATCH_DB'],
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
  moreTests: (guard) => {
    describe('Hono app without batch', () => {
      // The same app on its own D1 database without the batch option: the cap holds once every sign-in returned.
      it('50 parallel sign-ins of one user leave at most the cap (5)', async (ctx) => {
        guard(ctx);
        const send: Fetch = (path, init) =>
          (mf as Miniflare).dispatchFetch(
            `http://localhost/no-batch${path}`,
            init as never,
          ) as unknown as Promise<Response>;
        const responses = await Promise.all(
          Array.from({ length: 50 }, () => new Browser(send).signIn('erin')),
        );
        expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
        await Promise.all(responses.map((r) => r.text()));
        const { body } = await new Browser(send).json<{ count: number }>('/rows?user=erin');
        console.log(
          `workerd + D1 (miniflare), Hono app without batch: 50 parallel sign-ins over HTTP left ${body.count} rows (cap 5)`,
        );
        expect(body.count).toBeLessThanOrEqual(5);
        expect(body.count).toBeGreaterThanOrEqual(1);
      });
    });
  },
  fetch: (path, init) =>
    (mf as Miniflare).dispatchFetch(`http://localhost${path}`, init as never) as unknown as Promise<Response>,
});

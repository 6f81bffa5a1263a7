import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckResult, checkNames } from '../../src/conformance.js';
import { type Fetch, httpTests } from './http-tests.js';

/** What a runtime's test file hands to {@link describeRuntime}. */
export interface RuntimeUnderTest {
  /** `undefined` when the runtime can run here; otherwise why not (skipped locally, a failure under CI). */
  unavailable(): Promise<string | undefined>;
  /** Starts what the tests need (a server, a Miniflare instance). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Conformance runs, each a label (e.g. `with batch`) and the runtime's results. */
  conformance: Record<string, () => Promise<CheckResult[]>>;
  /** Sends a request to the Hono app. */
  fetch: Fetch;
  /** More tests of this runtime, declared inside its suite (while it runs); `guard` skips or fails like the others. */
  moreTests?: (guard: (ctx: { skip(note?: string): void }) => void) => void;
}

/**
 * One suite per runtime: a test per conformance check (per run), then the HTTP tests of the Hono app. Under CI a
 * runtime that cannot run fails every test instead of skipping.
 */
export function describeRuntime(suite: string, runtime: RuntimeUnderTest): void {
  describe(suite, () => {
    let skipReason: string | undefined;
    /** Why the runtime did not start: every test of the suite fails with it. */
    let startError: Error | undefined;
    const results = new Map<string, CheckResult[] | Error>();
    beforeAll(async () => {
      const reason = await runtime.unavailable();
      if (reason !== undefined) {
        if (process.env.CI) startError = new Error(`${suite} cannot run under CI: ${reason}`);
        else skipReason = reason;
        return;
      }
      try {
        await runtime.start();
      } catch (error) {
        startError = error as Error;
        return;
      }
      await Promise.all(
        Object.entries(runtime.conformance).map(async ([label, run]) => {
          results.set(label, await run().catch((error: Error) => error));
        }),
      );
    });
    /** Skips the test (runtime missing, not under CI) or fails it (runtime did not start). */
    const guard = (ctx: { skip(note?: string): void }) => {
      if (startError) throw startError;
      if (skipReason !== undefined) ctx.skip(skipReason);
    };
    afterAll(async () => {
      await runtime.stop();
    });

    for (const label of Object.keys(runtime.conformance)) {
      describe(`conformance${label ? `, ${label}` : ''}`, () => {
        for (const name of checkNames) {
          it(name, (ctx) => {
            guard(ctx);
            const run = results.get(label);
            if (run instanceof Error) throw run;
            const result = run?.find((r) => r.name === name);
            expect(result, `the runtime reported no result for "${name}"`).toBeDefined();
            if (result?.detail) console.log(`${suite}, ${label || 'conformance'}: ${name}: ${result.detail}`);
            if (!result?.ok) throw new Error(result?.error ?? 'failed');
          });
        }
      });
    }

    describe('Hono app over HTTP', () => {
      httpTests(suite, runtime.fetch, guard);
    });
    runtime.moreTests?.(guard);
  });
}

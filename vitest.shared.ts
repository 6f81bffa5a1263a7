import { defineConfig, type ViteUserConfig } from 'vitest/config';

/** What a package may change in {@link vitestConfig}: a global setup, longer or shorter timeouts. */
export type TestOverrides = Pick<
  NonNullable<ViteUserConfig['test']>,
  'globalSetup' | 'testTimeout' | 'hookTimeout' | 'include' | 'typecheck'
>;

/**
 * The vitest config of every workspace package: tests read workspace packages from source (the `@sess/source`
 * export condition, mirrored in tsconfig's `customConditions`), and write a JSON report to
 * `test-results/<report>.json` at the repository root, which `.ci/run` sums into one closing line.
 *
 * @example
 * ```ts
 * // packages/core/vitest.config.ts
 * export default vitestConfig('core');
 * ```
 */
export function vitestConfig(report: string, overrides: TestOverrides = {}): ViteUserConfig {
  return defineConfig({
    resolve: { conditions: ['@sess/source'] },
    ssr: { resolve: { conditions: ['@sess/source'] } },
    test: {
      include: ['{src,test}/**/*.test.{ts,tsx}'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      ...overrides,
      reporters: ['default', ['json', { outputFile: `../../test-results/${report}.json` }]],
    },
  });
}

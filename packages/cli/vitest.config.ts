import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@sess/source'] },
  ssr: { resolve: { conditions: ['@sess/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // The tests run the built `sess` binary: build it once before any test file starts.
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One JSON report per package; .ci/run sums them into a closing line.
    reporters: ['default', ['json', { outputFile: '../../test-results/cli.json' }]],
  },
});

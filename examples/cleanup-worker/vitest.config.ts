import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@sess/source'] },
  ssr: { resolve: { conditions: ['@sess/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // The test runs the built worker as a subprocess: build it first.
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', ['json', { outputFile: '../../test-results/example-cleanup-worker.json' }]],
  },
});

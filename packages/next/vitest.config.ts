import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@sess/source'] },
  ssr: { resolve: { conditions: ['@sess/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // One JSON report per package; .ci/run sums them into a closing line.
    reporters: ['default', ['json', { outputFile: '../../test-results/next.json' }]],
  },
});

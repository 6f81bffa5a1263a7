import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@sess/source'] },
  ssr: { resolve: { conditions: ['@sess/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: '../../test-results/hardening-tests.json' }]],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@sess/source'] },
  ssr: { resolve: { conditions: ['@sess/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // `next build` of this app runs once before the tests (they start it with `next start`).
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', ['json', { outputFile: '../../test-results/example-next-app.json' }]],
  },
});

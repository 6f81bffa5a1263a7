import { mergeConfig } from 'vitest/config';
import { vitestConfig } from '../../vitest.shared.js';

// Each test file sets up one README quick start in a fresh npm project outside the workspace; two at a time.
export default mergeConfig(
  vitestConfig('quickstarts', {
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
  }),
  { test: { maxWorkers: 2 } },
);

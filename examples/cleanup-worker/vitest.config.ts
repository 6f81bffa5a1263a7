import { vitestConfig } from '../../vitest.shared.js';

// The test runs the built worker as a subprocess: build it first.
export default vitestConfig('example-cleanup-worker', {
  globalSetup: ['./test/global-setup.ts'],
  hookTimeout: 120_000,
});

import { vitestConfig } from '../../vitest.shared.js';

// `next build` of this app runs once before the tests (they start it with `next start`).
export default vitestConfig('example-next-app', {
  globalSetup: ['./test/global-setup.ts'],
  hookTimeout: 120_000,
});

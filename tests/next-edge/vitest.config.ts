import { vitestConfig } from '../../vitest.shared.js';

// One test file: `next build` (20–60 s) and `next start`, then HTTP requests.
export default vitestConfig('next-edge', { testTimeout: 60_000, hookTimeout: 240_000 });

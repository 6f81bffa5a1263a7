import { vitestConfig } from '../../vitest.shared.js';

// One test file that makes a Next.js project, installs it and builds it twice: minutes, not seconds.
export default vitestConfig('next-fresh', { testTimeout: 600_000, hookTimeout: 900_000 });

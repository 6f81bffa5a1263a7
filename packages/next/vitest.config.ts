import { vitestConfig } from '../../vitest.shared.js';

export default vitestConfig('next', { testTimeout: 30_000, hookTimeout: 30_000 });

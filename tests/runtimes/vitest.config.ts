import { vitestConfig } from '../../vitest.shared.js';

export default vitestConfig('runtime-tests', { testTimeout: 120_000, hookTimeout: 120_000 });

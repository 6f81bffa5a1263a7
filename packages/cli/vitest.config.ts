import { vitestConfig } from '../../vitest.shared.js';

// The tests run the built `sess` binary: build it once before any test file starts.
export default vitestConfig('cli', { globalSetup: ['./test/global-setup.ts'], hookTimeout: 120_000 });

import { vitestConfig } from '../../vitest.shared.js';

// Type tests (`*.test-d.ts`) run through tsc as part of `vitest run`: a wrong type fails the run.
export default vitestConfig('hono', { typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] } });

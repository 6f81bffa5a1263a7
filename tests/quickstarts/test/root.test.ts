import { describe, it } from 'vitest';
import { checkSignInFlow } from './support/checks.js';
import { programOf, useQuickStart } from './support/use-quick-start.js';

describe('README.md quick start (Hono)', () => {
  const project = useQuickStart('root');

  it('signs in, says who is signed in, lists the devices and signs out', async () => {
    await checkSignInFlow(programOf(project()).url);
  });
});

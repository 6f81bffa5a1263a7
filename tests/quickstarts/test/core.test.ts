import { describe, it } from 'vitest';
import { checkSignInFlow } from './support/checks.js';
import { programOf, useQuickStart } from './support/use-quick-start.js';

describe('packages/core quick start (node:http)', () => {
  const project = useQuickStart('core');

  it('signs in, says who is signed in, lists the devices and signs out', async () => {
    await checkSignInFlow(programOf(project()).url);
  });
});

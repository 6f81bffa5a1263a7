import { describe, expect, it } from 'vitest';
import { checkSignInFlow } from './support/checks.js';
import { programOf, useQuickStart } from './support/use-quick-start.js';

describe('packages/hono quick start', () => {
  const project = useQuickStart('hono');

  it('signs in, says who is signed in, lists the devices and signs out', async () => {
    await checkSignInFlow(programOf(project()).url);
  });

  it('keeps typed data in the session: the visit counter counts', async () => {
    const browser = await checkSignInFlow(programOf(project()).url);
    await browser.post('/sign-in');
    expect((await browser.get('/me')).body).toEqual({ userId: 'alice', visits: 1 });
    expect((await browser.get('/me')).body).toEqual({ userId: 'alice', visits: 2 });
  });
});

import { CHROME_LINUX, FIREFOX_WINDOWS, JsonClient } from '@sess/test-kit';
import { describe, expect, it } from 'vitest';
import { programOf, useQuickStart } from './support/use-quick-start.js';

describe('examples/nest-app quick start (Fastify)', () => {
  const project = useQuickStart('nest-app');

  it('signs in two devices, revokes one, refuses another user’s session, signs out everywhere', async () => {
    const url = programOf(project()).url;
    const laptop = new JsonClient(url, CHROME_LINUX);
    const phone = new JsonClient(url, FIREFOX_WINDOWS);
    expect((await laptop.get('/me')).status).toBe(401);
    expect((await laptop.post('/auth/sign-in', { username: 'alice', password: 'nope' })).status).toBe(401);
    expect(laptop.jar.size).toBe(0);

    for (const device of [laptop, phone]) {
      const signIn = await device.post('/auth/sign-in', { username: 'alice', password: 'wonderland' });
      expect(signIn.status, JSON.stringify(signIn.body)).toBeLessThan(300);
      expect(device.jar.has('_session')).toBe(true);
    }
    expect((await laptop.get('/me')).body).toEqual({ userId: 'alice' });

    const sessions = await laptop.get('/sessions');
    expect(sessions.status).toBe(200);
    expect(sessions.body).toHaveLength(2);
    const phoneSession = sessions.body.find((s: { current: boolean }) => !s.current);
    expect(phoneSession).toMatchObject({ userId: 'alice', deviceName: 'Firefox on Windows' });
    expect((await laptop.delete(`/sessions/${phoneSession.id}`)).status).toBe(204);
    expect((await phone.get('/me')).status).toBe(401);

    const bob = new JsonClient(url, FIREFOX_WINDOWS);
    await bob.post('/auth/sign-in', { username: 'bob', password: 'builder' });
    const [bobSession] = (await bob.get('/sessions')).body;
    expect((await laptop.delete(`/sessions/${bobSession.id}`)).status).toBe(404);
    expect((await bob.get('/me')).body).toEqual({ userId: 'bob' });

    expect((await laptop.post('/sessions/sign-out-everywhere')).status).toBe(204);
    expect(laptop.jar.size).toBe(0);
    expect((await laptop.get('/me')).status).toBe(401);
  });
});

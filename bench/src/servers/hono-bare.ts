/** Hono with no session at all: the ceiling. `GET /me` answers a constant JSON body. */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { runServer } from './harness.js';

await runServer('Hono, no session (ceiling)', async () => {
  const app = new Hono();
  app.post('/login', (c) => {
    c.header('Set-Cookie', `sid=${randomBytes(16).toString('hex')}; Path=/; HttpOnly`);
    return c.body(null, 204);
  });
  app.get('/me', (c) => c.json({ name: 'anonymous' }));
  return { server: createAdaptorServer({ fetch: app.fetch }) as Server };
});

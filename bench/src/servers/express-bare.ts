/** Express 5 with no session at all: the Express ceiling. `GET /me` answers a constant JSON body. */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import express from 'express';
import { runServer } from './harness.js';

await runServer('Express 5, no session (ceiling)', async () => {
  const app = express();
  app.post('/login', (_req, res) => {
    res.setHeader('Set-Cookie', `sid=${randomBytes(16).toString('hex')}; Path=/; HttpOnly`);
    res.status(204).end();
  });
  app.get('/me', (_req, res) => {
    res.json({ name: 'anonymous' });
  });
  return { server: createServer(app) };
});

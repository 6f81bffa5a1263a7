/**
 * better-auth on PostgreSQL through its Kysely adapter (a `pg` pool), served by Hono as its docs show, with the
 * cookie cache off so that every `getSession` asks the database. `POST /login?user=N` signs a user up (which signs
 * them in); `GET /me` reads the user's name through `auth.api.getSession`.
 */
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { Hono } from 'hono';
import pg from 'pg';
import { countPostgres } from '../lib/driver-counter.js';
import { postgresPoolConfig, runServer } from './harness.js';

countPostgres(pg);

await runServer('better-auth getSession, Kysely adapter (PostgreSQL)', async () => {
  const pool = new pg.Pool(postgresPoolConfig());
  const options = {
    database: pool,
    secret: 'bench-secret-bench-secret-bench-secret',
    baseURL: 'http://127.0.0.1',
    emailAndPassword: { enabled: true },
    session: { cookieCache: { enabled: false } },
    telemetry: { enabled: false },
  };
  const { runMigrations } = await getMigrations(options);
  await runMigrations();
  const auth = betterAuth(options);
  const app = new Hono();
  app.post('/login', async (c) => {
    const user = c.req.query('user') ?? '0';
    return auth.api.signUpEmail({
      body: { email: `user-${user}@bench.test`, password: 'bench-password-1234', name: `User ${user}` },
      headers: c.req.raw.headers,
      asResponse: true,
    });
  });
  app.get('/me', async (c) => {
    const found = await auth.api.getSession({ headers: c.req.raw.headers });
    if (!found) return c.json({ error: 'sign in first' }, 401);
    return c.json({ name: found.user.name });
  });
  return { server: createAdaptorServer({ fetch: app.fetch }) as Server, close: () => pool.end() };
});

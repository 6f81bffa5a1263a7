/**
 * Express 5 + express-session + connect-pg-simple on PostgreSQL, as their READMEs set them up (resave: false,
 * saveUninitialized: false). `POST /login` stores the user's name in the session; `GET /me` reads it.
 */
import { createServer } from 'node:http';
import connectPgSimple from 'connect-pg-simple';
import express from 'express';
import session from 'express-session';
import pg from 'pg';
import { countPostgres } from '../lib/driver-counter.js';
import { postgresPoolConfig, runServer } from './harness.js';

declare module 'express-session' {
  interface SessionData {
    name: string;
  }
}

countPostgres(pg);

await runServer('Express 5 + express-session + connect-pg-simple (PostgreSQL)', async () => {
  const pool = new pg.Pool(postgresPoolConfig());
  const PgStore = connectPgSimple(session);
  const store = new PgStore({ pool, tableName: 'express_sessions', createTableIfMissing: true });
  const app = express();
  app.use(
    session({
      store,
      secret: 'bench-secret-bench-secret-bench-secret',
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 30 * 86_400_000, httpOnly: true, sameSite: 'lax' },
    }),
  );
  app.post('/login', (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.name = `User ${String(req.query.user ?? '0')}`;
      res.status(204).end();
    });
  });
  app.get('/me', (req, res) => {
    const name = req.session.name;
    if (name === undefined) res.status(401).json({ error: 'sign in first' });
    else res.json({ name });
  });
  return {
    server: createServer(app),
    close: async () => {
      store.close();
      await pool.end();
    },
  };
});

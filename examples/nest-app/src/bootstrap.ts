import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';

/**
 * Starts the demo from environment variables and resolves the listening app:
 *   PLATFORM        express (default) or fastify
 *   PORT            port to listen on (default 3000; 0 picks a free one)
 *   HOST            address to listen on (default 127.0.0.1)
 *   DATABASE_URL    postgres://…, mysql://…, sqlite:PATH (default: SQLite file data/sess.sqlite)
 *   SESS_TABLE      session table name (default sess_sessions)
 *   SESSION_SECRET  cookie signing secret, at least 32 bytes (default: unsigned cookies)
 *   SESS_FINGERPRINT_HEADERS  comma-separated fingerprint headers (default user-agent,accept-language,accept-encoding);
 *                   apps that share one table must use the same list
 */
export async function bootstrap(env: NodeJS.ProcessEnv = process.env): Promise<INestApplication> {
  const platform = env.PLATFORM || 'express';
  if (platform !== 'express' && platform !== 'fastify') {
    throw new Error(`PLATFORM must be "express" or "fastify" (got ${JSON.stringify(platform)}).`);
  }
  const port = Number(env.PORT || 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`PORT must be a port number (got ${JSON.stringify(env.PORT)}).`);
  }
  const host = env.HOST || '127.0.0.1';
  // Browsers keep a Secure cookie from plain http only on loopback, where the demo serves http: only there is
  // Secure turned off. Anywhere else the default (Secure) stays, and the app belongs behind HTTPS.
  const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host);

  const app = await NestFactory.create(
    AppModule.forRoot({
      databaseUrl: env.DATABASE_URL || undefined,
      sessionTable: env.SESS_TABLE || undefined,
      secureCookies: !loopback,
      cookieSecret: env.SESSION_SECRET || undefined,
      fingerprintHeaders: env.SESS_FINGERPRINT_HEADERS?.split(',')
        .map((h) => h.trim())
        .filter(Boolean),
    }),
    platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
    { logger: env.NODE_ENV === 'test' ? false : ['log', 'warn', 'error'] },
  );
  app.enableShutdownHooks();
  await app.listen(port, host);
  return app;
}

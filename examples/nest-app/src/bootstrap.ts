import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { readListenSettings, readSessionSettings } from '@sess/demo-kit';
import { AppModule } from './app.module.js';

/**
 * Starts the demo from environment variables and resolves the listening app:
 *   PLATFORM        express (default) or fastify
 *   PORT            port to listen on (default 3000; 0 picks a free one)
 *   HOST            address to listen on (default 127.0.0.1)
 *   DATABASE_URL    postgres://…, mysql://…, sqlite:PATH (default: SQLite file data/sess.sqlite)
 *   SESS_TABLE      session table name (default sess_sessions)
 *   SESSION_SECRET  cookie signing secret, at least 32 bytes (default: unsigned cookies)
 *   SESS_FINGERPRINT_HEADERS  comma-separated fingerprint headers (default user-agent: browser and OS family);
 *                   apps that share one table must use the same list
 */
export async function bootstrap(env: NodeJS.ProcessEnv = process.env): Promise<INestApplication> {
  const platform = env.PLATFORM || 'express';
  if (platform !== 'express' && platform !== 'fastify') {
    throw new Error(`PLATFORM must be "express" or "fastify" (got ${JSON.stringify(platform)}).`);
  }
  const { port, host, loopback } = readListenSettings(env);
  const { tableName, secret, fingerprintHeaders } = readSessionSettings(env);

  // Browsers keep a Secure cookie from plain http only on loopback, where the demo serves http: only there is
  // Secure turned off. Anywhere else the default (Secure) stays, and the app belongs behind HTTPS.
  const app = await NestFactory.create(
    AppModule.forRoot({
      databaseUrl: env.DATABASE_URL || undefined,
      sessionTable: tableName,
      secureCookies: !loopback,
      cookieSecret: secret,
      fingerprintHeaders,
    }),
    platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
    { logger: env.NODE_ENV === 'test' ? false : ['log', 'warn', 'error'] },
  );
  app.enableShutdownHooks();
  await app.listen(port, host);
  return app;
}

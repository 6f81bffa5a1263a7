import type { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { type ParsedSetCookie, parseSetCookies } from '@sess/core/testing';
import { type AppConfig, AppModule } from '../src/app.module.js';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: readonly Platform[] = ['express', 'fastify'];

/** A database the demo runs on in the tests: SQLite always, the servers when their env var names them. */
export interface TestDatabase {
  name: string;
  url: string | undefined;
  /** Why it is skipped, or false. */
  skip: string | false;
}

function server(name: string, env: string): TestDatabase {
  const url = process.env[env];
  if (url) return { name, url, skip: false };
  if (process.env.CI)
    throw new Error(`${env} is not set: CI runs the demo on ${name} too (.ci/run sets it).`);
  const why = `${name} skipped: set ${env} to run the demo on it`;
  console.warn(`[nest-app] ${why}`);
  return { name, url: undefined, skip: why };
}

/** SQLite (in memory), then PostgreSQL and MySQL when named; under CI a missing server variable throws. */
export function testDatabases(): TestDatabase[] {
  return [
    { name: 'sqlite', url: 'sqlite::memory:', skip: false },
    server('postgres', 'SESS_TEST_POSTGRES_URL'),
    server('mysql', 'SESS_TEST_MYSQL_URL'),
  ];
}

/** Starts the demo's AppModule through @nestjs/testing on a loopback port. */
export async function startDemo(
  platform: Platform,
  config: AppConfig,
): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication(
    platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
    {
      logger: false,
    },
  );
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

/** A response with its parsed cookies and JSON body. */
export interface Reply {
  status: number;
  cookies: ParsedSetCookie[];
  body: any;
}

/** One browser (one device): real `fetch` and a cookie jar that applies `Set-Cookie`. */
export class Device {
  readonly jar = new Map<string, string>();

  constructor(
    readonly base: string,
    readonly userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36',
  ) {}

  async request(method: string, path: string, body?: unknown): Promise<Reply> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent };
    if (this.jar.size > 0) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(this.base + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const cookies = parseSetCookies(response.headers);
    for (const c of cookies) {
      if ((c.maxAge ?? 1) <= 0) this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
    const text = await response.text();
    return { status: response.status, cookies, body: text ? JSON.parse(text) : undefined };
  }

  signIn(username: string, password: string): Promise<Reply> {
    return this.request('POST', '/auth/sign-in', { username, password });
  }
}

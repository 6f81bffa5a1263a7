import type { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { type FetchReply, JsonClient, type JsonReply } from '@sess/test-kit';
import { type AppConfig, AppModule } from '../src/app.module.js';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: readonly Platform[] = ['express', 'fastify'];

/** Starts the demo's AppModule through @nestjs/testing on a loopback port. */
export async function startDemo(
  platform: Platform,
  config: AppConfig,
): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const adapter = platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = moduleRef.createNestApplication(adapter, { logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

/** One browser (one device) of the demo's JSON API ({@link JsonClient}), which also knows its sign-in route. */
export class Device extends JsonClient {
  /** Signs in with `{ username, password }`. */
  signIn(username: string, password: string): Promise<JsonReply> {
    return this.request('POST', '/auth/sign-in', { username, password });
  }

  /**
   * Sends a request with the headers and body given as they are (plus this device's User-Agent and cookies), as a
   * page of another site, a form or a browser's `fetch` would send it.
   */
  sendRaw(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: string | URLSearchParams | FormData } = {},
  ): Promise<FetchReply & { text: string }> {
    return this.send(path, { method, ...init });
  }
}

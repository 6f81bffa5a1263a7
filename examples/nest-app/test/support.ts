import type { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { SessionStore } from '@sess/core';
import { type FetchReply, JsonClient, type JsonReply } from '@sess/test-kit';
import { afterAll, beforeAll, beforeEach } from 'vitest';
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

/** A phone's User-Agent (Safari on iPhone): another device than the default client's. */
export const PHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1';

/** The demo running for one describe block, read after `beforeAll`. */
export interface RunningDemo {
  readonly app: INestApplication;
  readonly url: string;
  readonly store: SessionStore;
}

/**
 * Starts the demo on `platform` (on the database `databaseUrl()` names once the suite starts) for the enclosing
 * describe block, closes it after, and empties its session table
 * before each test.
 */
export function useDemo(
  platform: Platform,
  databaseUrl: () => AppConfig['databaseUrl'],
  sessionTable: string,
): RunningDemo {
  let started: { app: INestApplication; url: string; store: SessionStore } | undefined;
  const running = (): NonNullable<typeof started> => {
    if (!started) throw new Error('the demo is not running (use it inside a test)');
    return started;
  };
  beforeAll(async () => {
    const { app, url } = await startDemo(platform, { databaseUrl: databaseUrl(), sessionTable });
    started = { app, url, store: app.get(SessionStore) };
  });
  afterAll(async () => {
    await started?.app.close();
  });
  beforeEach(async () => {
    await running().store.db.deleteFrom(sessionTable).execute();
  });
  return {
    get app() {
      return running().app;
    },
    get url() {
      return running().url;
    },
    get store() {
      return running().store;
    },
  };
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

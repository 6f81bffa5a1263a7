import type { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { type ParsedSetCookie, parseSetCookies } from '@sess/core/testing';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: readonly Platform[] = ['express', 'fastify'];

/** A Nest app listening on a loopback port, on the given platform. */
export interface RunningApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** Compiles a testing module from `metadata` and serves it on 127.0.0.1 with a random port. */
export async function startApp(
  platform: Platform,
  metadata: Parameters<typeof Test.createTestingModule>[0],
  configure?: (app: INestApplication) => void,
): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const adapter = platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = moduleRef.createNestApplication(adapter, { logger: false });
  configure?.(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, close: () => app.close() };
}

/** A response with its parsed `Set-Cookie` headers and JSON body. */
export interface Reply {
  status: number;
  headers: Headers;
  cookies: ParsedSetCookie[];
  body: any;
}

/** A browser-like HTTP client: real `fetch`, a cookie jar that applies `Set-Cookie` (Max-Age 0 deletes). */
export class Client {
  readonly jar = new Map<string, string>();
  readonly #base: string;
  readonly #userAgent: string;

  constructor(base: string, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36') {
    this.#base = base;
    this.#userAgent = userAgent;
  }

  async request(method: string, path: string, body?: unknown): Promise<Reply> {
    const headers: Record<string, string> = { 'user-agent': this.#userAgent };
    if (this.jar.size > 0) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(this.#base + path, {
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
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, cookies, body: parsed };
  }

  get(path: string): Promise<Reply> {
    return this.request('GET', path);
  }

  post(path: string, body?: unknown): Promise<Reply> {
    return this.request('POST', path, body ?? {});
  }

  delete(path: string): Promise<Reply> {
    return this.request('DELETE', path);
  }
}

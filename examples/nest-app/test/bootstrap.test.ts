import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { bootstrap } from '../src/bootstrap.js';
import { Device } from './support.js';

describe('bootstrap (the entry point behind `pnpm start`)', () => {
  let app: INestApplication | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'nest-app-'));

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const platform of ['express', 'fastify'] as const) {
    it(`runs on ${platform} when PLATFORM=${platform}, with the SQLite file DATABASE_URL names`, async () => {
      app = await bootstrap({
        NODE_ENV: 'test',
        PLATFORM: platform,
        PORT: '0',
        DATABASE_URL: `sqlite:${join(dir, `${platform}.sqlite`)}`,
      });
      expect(app.getHttpAdapter().getType()).toBe(platform);
      const device = new Device(await app.getUrl());
      const signIn = await device.signIn('bob', 'builder');
      // Served over plain http on loopback: the cookie is not Secure there, so browsers keep it.
      expect(signIn.cookies).toMatchObject([{ name: '_session', secure: false, httpOnly: true }]);
      expect((await device.request('GET', '/me')).body.user).toEqual({ id: 'bob', name: 'Bob' });
    });
  }

  it('runs on Express when PLATFORM is unset, and refuses an unknown platform', async () => {
    app = await bootstrap({ NODE_ENV: 'test', PORT: '0', DATABASE_URL: 'sqlite::memory:' });
    expect(app.getHttpAdapter().getType()).toBe('express');
    await expect(bootstrap({ NODE_ENV: 'test', PLATFORM: 'koa', PORT: '0' })).rejects.toThrow(/PLATFORM/);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSetCookies } from '@sess/core/testing';
import { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SQLITE_PATH } from '../src/database.js';
import { CHROME_MAC, dropSessionTables } from './support/client.js';
import { forEachDatabase, uniqueTableName } from './support/databases.js';
import { APP_DIR, startDemoServer } from './support/demo-server.js';

const dir = mkdtempSync(join(tmpdir(), 'sess-hono-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('defaults', () => {
  it('keeps the SQLite database in the example folder by default', () => {
    expect(DEFAULT_SQLITE_PATH).toBe(join(APP_DIR, 'data', 'sess.sqlite'));
  });
});

/** The `pnpm demo` entry as a real process, on each database `DATABASE_URL` can name. */
forEachDatabase((database) => {
  const table = uniqueTableName('hono_app_srv');
  const url = {
    sqlite: `sqlite:${join(dir, 'demo.sqlite')}`,
    postgres: process.env.SESS_TEST_POSTGRES_URL ?? '',
    mysql: process.env.SESS_TEST_MYSQL_URL ?? '',
  }[database.name];

  afterAll(async () => {
    const db = new Kysely<any>({ dialect: database.dialect(join(dir, 'demo.sqlite')) });
    await dropSessionTables(db, table);
    await db.destroy();
  });

  it('migrates, prints its URL, serves sign-in with a non-Secure cookie on loopback, and exits on SIGTERM', async () => {
    const server = await startDemoServer({ DATABASE_URL: url, SESS_TABLE: table });
    try {
      expect(server.output()).toContain(
        `sess demo on ${database.name === 'sqlite' ? 'SQLite' : database.name === 'postgres' ? 'PostgreSQL' : 'MySQL'}`,
      );
      const signIn = await fetch(`${server.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'user-agent': CHROME_MAC, origin: server.url },
        body: new URLSearchParams({ username: 'alice', password: 'wonderland' }),
      });
      expect(signIn.status).toBe(303);
      const [cookie] = parseSetCookies(signIn.headers);
      expect(cookie).toMatchObject({ name: '_session', httpOnly: true, sameSite: 'lax', secure: false });
      const devices = await fetch(`${server.url}/devices`, {
        headers: { 'user-agent': CHROME_MAC, cookie: `_session=${cookie?.value}` },
      });
      const html = await devices.text();
      expect(devices.status).toBe(200);
      expect(html).toContain('Chrome on macOS');
      expect(html).toContain('This device');

      const db = new Kysely<any>({ dialect: database.dialect(join(dir, 'demo.sqlite')) });
      const rows = await db.selectFrom(table).select(['user_id', 'ip_address', 'device_name']).execute();
      await db.destroy();
      expect(rows).toEqual([{ user_id: 'alice', ip_address: '127.0.0.1', device_name: 'Chrome on macOS' }]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.output()).toContain('SIGTERM: shutting down');
  });
});

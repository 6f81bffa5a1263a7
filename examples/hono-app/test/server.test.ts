import { join } from 'node:path';
import { parseSetCookies } from '@sess/core/testing';
import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { CHROME_MAC } from '@sess/test-kit';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SQLITE_PATH } from '../src/database.js';
import { APP_DIR, startDemoServer } from './support/demo-server.js';

describe('defaults', () => {
  it('keeps the SQLite database in the example folder by default', () => {
    expect(DEFAULT_SQLITE_PATH).toBe(join(APP_DIR, 'data', 'sess.sqlite'));
  });
});

/** How the demo names each database in its first line. */
const SHOWN = { 'sqlite-file': 'SQLite', postgres: 'PostgreSQL', mysql: 'MySQL' } as Record<string, string>;

/** The `pnpm demo` entry as a real process, on each database `DATABASE_URL` can name. */
forEachDialect(
  (spec) => {
    const table = uniqueTableName('hono_app_srv');
    const t = useTestDatabase(spec, { sessionTables: [table] });

    it('migrates, prints its URL, serves sign-in with a non-Secure cookie on loopback, and exits on SIGTERM', async () => {
      const server = await startDemoServer({ DATABASE_URL: t.url as string, SESS_TABLE: table });
      try {
        expect(server.output()).toContain(`sess demo on ${SHOWN[spec.name]}`);
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

        const rows = await t.db.selectFrom(table).select(['user_id', 'ip_address', 'device_name']).execute();
        expect(rows).toEqual([{ user_id: 'alice', ip_address: '127.0.0.1', device_name: 'Chrome on macOS' }]);
      } finally {
        expect(await server.stop()).toBe(0);
      }
      expect(server.output()).toContain('SIGTERM: shutting down');
    });
  },
  { only: ['sqlite-file', 'postgres', 'mysql'] },
);

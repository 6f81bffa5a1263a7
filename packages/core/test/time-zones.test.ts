// Expiry must hold whatever the process and the database think the local time is.
process.env.TZ = 'Pacific/Kiritimati'; // UTC+14

import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { beforeAll, expect, it } from 'vitest';
import { migrateToLatest, SessionStore } from '../src/index.js';
import { FakeClock } from '../src/testing/index.js';
import { meta } from './support/fixtures.js';

forEachDialect((spec) => {
  const table = uniqueTableName('tz');
  // The database session runs 26 hours away from the process.
  const t = useTestDatabase(spec, {
    timeZone: spec.name === 'mysql' ? '-12:00' : 'Etc/GMT+12',
    sessionTables: [table],
  });

  beforeAll(async () => {
    await migrateToLatest(t.db, { tableName: table });
  });

  it('runs with a far-off process time zone', () => {
    expect(new Date('2030-06-01T00:00:00Z').getTimezoneOffset()).toBe(-14 * 60);
  });

  it('keeps expiry exact to the millisecond across process and database time zones', async () => {
    const clock = new FakeClock('2030-06-01T23:30:00.000Z'); // local date differs from UTC date on both sides
    const store = new SessionStore(t.db, { tableName: table, now: clock.now, ttl: 3600 });
    const { session, token } = await store.create(meta(), 'alice');
    const loaded = await store.read(session.id);
    expect(loaded?.createdAt.toISOString()).toBe('2030-06-01T23:30:00.000Z');
    expect(loaded?.expiresAt.toISOString()).toBe('2030-06-02T00:30:00.000Z');
    clock.set('2030-06-02T00:29:59.999Z');
    expect(await store.readByToken(token)).not.toBeNull();
    expect(await store.listForUser('alice')).toHaveLength(1);
    clock.set('2030-06-02T00:30:00.000Z');
    expect(await store.readByToken(token)).toBeNull();
    expect(await store.cleanupExpired()).toBe(1);
  });

  it('uses the database session time zone that was asked for', async () => {
    if (spec.name === 'postgres' || spec.name === 'pglite') {
      const { rows } = await t.db.executeQuery<{ TimeZone: string }>({
        sql: 'show timezone',
        parameters: [],
        query: {} as never,
        queryId: {} as never,
      });
      expect(Object.values(rows[0] ?? {})[0]).toBe('Etc/GMT+12');
    } else if (spec.name === 'mysql') {
      const { rows } = await t.db.executeQuery<{ tz: string }>({
        sql: 'select @@session.time_zone as tz',
        parameters: [],
        query: {} as never,
        queryId: {} as never,
      });
      expect(rows[0]?.tz).toBe('-12:00');
    } else {
      expect(spec.name.startsWith('sqlite')).toBe(true); // SQLite has no session time zone
    }
  });
});

import { countRows, forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import { type Migration, Migrator, sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrateToLatest, SessionStore, SessionToken, sessionMigrations } from '../src/index.js';
import { meta } from './support/fixtures.js';

forEachDialect((spec) => {
  const tables: string[] = [];
  const t = useTestDatabase(spec, { sessionTables: tables });
  const fresh = () => {
    const name = uniqueTableName('mig');
    tables.push(name);
    return name;
  };

  it('creates the table with its indexes and is idempotent', async () => {
    const table = fresh();
    const first = await migrateToLatest(t.db, { tableName: table });
    expect(first.results?.map((r) => r.status)).toEqual(['Success', 'Success', 'Success', 'Success']);
    const second = await migrateToLatest(t.db, { tableName: table });
    expect(second.results).toEqual([]);
    const store = new SessionStore(t.db, { tableName: table });
    const { token } = await store.create(meta(), 'alice');
    expect((await store.readByToken(token))?.userId).toBe('alice');
    const tableMeta = (await t.db.introspection.getTables()).find((x) => x.name === table);
    expect(tableMeta?.columns.map((c) => c.name).sort()).toEqual(
      [
        'created_at',
        'data',
        'device_name',
        'device_type',
        'expires_at',
        'fingerprint',
        'id',
        'ip_address',
        'last_active_at',
        'prev_token_hash',
        'prev_token_valid_until',
        'remembered',
        'authenticated_at',
        'token_hash',
        'user_agent',
        'user_id',
        'version',
      ].sort(),
    );
  });

  it('is safe to run from several instances at once', async () => {
    const table = fresh();
    const runs = await Promise.allSettled(
      Array.from({ length: 4 }, () => migrateToLatest(t.db, { tableName: table })),
    );
    expect(runs.filter((r) => r.status === 'rejected')).toEqual([]);
    const applied = runs.flatMap((r) => (r.status === 'fulfilled' ? (r.value.results ?? []) : []));
    expect(applied.filter((r) => r.status === 'Success')).toHaveLength(4);
  });

  it('keeps migration bookkeeping per table name, so two session tables in one database both get created', async () => {
    const a = fresh();
    const b = fresh();
    await migrateToLatest(t.db, { tableName: a });
    await migrateToLatest(t.db, { tableName: b });
    const names = (await t.db.introspection.getTables()).map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining([a, b]));
    const { token } = await new SessionStore(t.db, { tableName: b }).create(meta(), 'bob');
    expect(await new SessionStore(t.db, { tableName: a }).readByToken(token)).toBeNull();
  });

  it('brings a table made by the first migration up to date, keeping its rows and sessions', async () => {
    const table = fresh();
    const first = sessionMigrations({ tableName: table });
    const only0001 = new Migrator({
      db: t.db,
      provider: {
        getMigrations: async () => ({
          [`sess_0001_create_${table}`]: first[`sess_0001_create_${table}`] as Migration,
        }),
      },
      migrationTableName: `${table}_migrations`,
      migrationLockTableName: `${table}_migrations_lock`,
    });
    expect((await only0001.migrateToLatest()).error).toBeUndefined();
    // Sessions signed in under the old schema (written as the 0001 store wrote them: today's store writes the
    // columns of 0004), an hour ago and touched since, with data.
    const createdAt = Date.now() - 3_600_000;
    const signedIn = ['alice', 'bob', 'carol'].map((userId, i) => {
      const token = SessionToken.generate();
      return { id: `01OLDSESSION0000000000000${i}`, token, userId, createdAt: createdAt + i * 1000 };
    });
    for (const s of signedIn) {
      await t.db
        .insertInto(table)
        .values({
          id: s.id,
          token_hash: s.token.hash(),
          user_id: s.userId,
          ip_address: '203.0.113.7',
          user_agent: 'Mozilla/5.0 (test)',
          device_name: 'Chrome on macOS',
          device_type: 'desktop',
          fingerprint: 'a'.repeat(64),
          data: JSON.stringify({ cart: [s.userId] }),
          version: 0,
          created_at: s.createdAt,
          last_active_at: s.createdAt + 60_000,
          expires_at: s.createdAt + 30 * 86_400_000,
        })
        .execute();
    }
    const result = await migrateToLatest(t.db, { tableName: table });
    expect(result.results?.map((r) => [r.migrationName, r.status])).toEqual([
      [`sess_0002_previous_token_${table}`, 'Success'],
      [`sess_0003_exact_user_id_${table}`, 'Success'],
      [`sess_0004_remember_and_sign_in_time_${table}`, 'Success'],
    ]);
    const store = new SessionStore(t.db, { tableName: table });
    for (const { token, userId, createdAt: at } of signedIn) {
      const session = await store.readByToken(token);
      expect(session?.userId).toBe(userId);
      expect(session?.data).toEqual({ cart: [userId] });
      // Rows from before 0004 were signed in with "remember me" (the only kind there was), when they were created.
      expect(session?.remembered).toBe(true);
      expect(session?.authenticatedAt?.getTime()).toBe(at);
      expect(session?.createdAt.getTime()).toBe(at);
    }
    expect((await store.listForUser('alice')).map((s) => s.id)).toEqual([signedIn[0]?.id]);
    const rotated = await store.rotateToken(signedIn[0]?.id as string, { grace: 30 });
    expect((await store.readByToken(rotated))?.userId).toBe('alice');
    expect((await store.readByToken(signedIn[0]?.token as SessionToken))?.userId).toBe('alice');
    // A sign-in time recorded after the migration replaces the creation time.
    const before = Date.now();
    await store.reauthenticate(signedIn[1]?.id as string);
    expect((await store.read(signedIn[1]?.id as string))?.authenticatedAt?.getTime()).toBeGreaterThanOrEqual(
      before,
    );
    // New sessions on the migrated table: a guest and a sign-in without "remember me".
    const guest = await store.createGuest(meta(), { cart: ['x'] });
    const brief = await store.create(meta(), 'dave', {}, { remember: false });
    expect((await store.readByToken(guest.token))?.userId).toBeNull();
    expect((await store.readByToken(brief.token))?.remembered).toBe(false);
    expect(await countRows(t.db, table)).toBe(5);
  });

  it('unique index on token_hash rejects a duplicate hash', async () => {
    const table = fresh();
    await migrateToLatest(t.db, { tableName: table });
    const row = {
      token_hash: 'b'.repeat(64),
      user_id: 'u',
      ip_address: '',
      user_agent: '',
      device_name: '',
      device_type: 'desktop',
      fingerprint: '',
      data: '{}',
      version: 0,
      created_at: 0,
      last_active_at: 0,
      expires_at: 1,
    };
    await t.db
      .insertInto(table)
      .values({ ...row, id: '01HZZZZZZZZZZZZZZZZZZZZZZ1' })
      .execute();
    await expect(
      t.db
        .insertInto(table)
        .values({ ...row, id: '01HZZZZZZZZZZZZZZZZZZZZZZ2' })
        .execute(),
    ).rejects.toThrow();
  });
});

// PostgreSQL has schemas: the tables go where unqualified names resolve, whatever other schemas hold.
forEachDialect(
  (spec) => {
    const t = useTestDatabase(spec);

    it('creates its tables in the current schema although another schema has tables of that name', async () => {
      const table = uniqueTableName('mig');
      const elsewhere = `${table}_elsewhere`;
      const here = `${table}_here`;
      await t.db.connection().execute(async (conn) => {
        try {
          await sql`create schema ${sql.id(elsewhere)}`.execute(conn);
          await sql`create schema ${sql.id(here)}`.execute(conn);
          await sql`set search_path to ${sql.id(elsewhere)}`.execute(conn);
          await migrateToLatest(conn, { tableName: table });
          // A second app (another tenant) whose search_path does not reach the first schema.
          await sql`set search_path to ${sql.id(here)}`.execute(conn);
          const result = await migrateToLatest(conn, { tableName: table });
          expect(result.results?.map((r) => r.status)).toEqual(['Success', 'Success', 'Success', 'Success']);
          const { token } = await new SessionStore(conn, { tableName: table }).create(meta(), 'alice');
          expect((await new SessionStore(conn, { tableName: table }).readByToken(token))?.userId).toBe(
            'alice',
          );
          const { rows } = await sql<{ schema: string; name: string }>`
            select table_schema as schema, table_name as name from information_schema.tables
            where table_schema in (${elsewhere}, ${here}) order by 1, 2`.execute(conn);
          const names = [table, `${table}_migrations`, `${table}_migrations_lock`].sort();
          expect(rows).toEqual([
            ...names.map((name) => ({ schema: elsewhere, name })),
            ...names.map((name) => ({ schema: here, name })),
          ]);
        } finally {
          await sql`reset search_path`.execute(conn);
          await sql`drop schema if exists ${sql.id(elsewhere)} cascade`.execute(conn);
          await sql`drop schema if exists ${sql.id(here)} cascade`.execute(conn);
        }
      });
    });
  },
  { only: ['pglite', 'postgres'] },
);

it("exports the migrations for a user's own Migrator, keyed per table", () => {
  expect(Object.keys(sessionMigrations())).toEqual([
    'sess_0001_create_sess_sessions',
    'sess_0002_previous_token_sess_sessions',
    'sess_0003_exact_user_id_sess_sessions',
    'sess_0004_remember_and_sign_in_time_sess_sessions',
  ]);
  expect(Object.keys(sessionMigrations({ tableName: 'app_sessions' }))).toEqual([
    'sess_0001_create_app_sessions',
    'sess_0002_previous_token_app_sessions',
    'sess_0003_exact_user_id_app_sessions',
    'sess_0004_remember_and_sign_in_time_app_sessions',
  ]);
  expect(() => sessionMigrations({ tableName: 'bad name; drop table x' })).toThrow(/tableName/);
});

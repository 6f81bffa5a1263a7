import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import {
  CamelCasePlugin,
  DeduplicateJoinsPlugin,
  HandleEmptyInListsPlugin,
  type Kysely,
  type KyselyPlugin,
  ParseJSONResultsPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  replaceWithNoncontingentExpression,
  type UnknownRow,
} from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest, SessionManager, SessionStore } from '../src/index.js';
import { FakeClock, MemoryBrowser } from '../src/testing/index.js';

/** A plugin that logs what runs, as apps add for tracing; it must see nothing change in sess's behaviour. */
class LoggingPlugin implements KyselyPlugin {
  readonly seen: string[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.seen.push(args.node.kind);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const PLUGINS: [string, () => KyselyPlugin][] = [
  ['CamelCasePlugin', () => new CamelCasePlugin()],
  ['ParseJSONResultsPlugin', () => new ParseJSONResultsPlugin()],
  ['DeduplicateJoinsPlugin', () => new DeduplicateJoinsPlugin()],
  [
    'HandleEmptyInListsPlugin',
    () => new HandleEmptyInListsPlugin({ strategy: replaceWithNoncontingentExpression }),
  ],
  ['a logging plugin', () => new LoggingPlugin()],
];

// The app passes its own Kysely, plugins and all: sess must behave exactly as on a plain instance.
forEachDialect((spec) => {
  const table = uniqueTableName('plugins');
  const t = useTestDatabase(spec, { sessionTables: [table] });
  let clock: FakeClock;

  beforeEach(() => {
    clock = new FakeClock('2030-01-01T00:00:00.000Z');
  });

  describe.each(PLUGINS)('on an app Kysely with %s', (_name, plugin) => {
    let db: Kysely<any>;
    let store: SessionStore;
    beforeEach(async () => {
      db = t.db.withPlugin(plugin());
      await migrateToLatest(db, { tableName: table });
      await t.db.deleteFrom(table).execute();
      store = new SessionStore(db, {
        tableName: table,
        now: clock.now,
        touchInterval: 60,
        maxSessionsPerUser: 2,
      });
    });

    async function request(b: MemoryBrowser, handler: (m: SessionManager) => unknown = () => {}) {
      const port = b.next();
      const manager = await SessionManager.load(store, port);
      await handler(manager);
      await manager.commit();
      b.receive(port);
      return { manager, port };
    }
    const browser = () => new MemoryBrowser({ headers: { 'user-agent': CHROME_MAC } });

    it('authenticates with the user id, dates and data as stored, and touches when due', async () => {
      const b = browser();
      await request(b, (m) => m.authenticate('alice', { cartItems: [1, 2], nested: { a: 1 } }));
      const { manager } = await request(b);
      expect(manager.userId).toBe('alice');
      const session = manager.current();
      expect(session?.createdAt.getTime()).toBe(clock.now().getTime());
      expect(session?.expiresAt.getTime()).toBeGreaterThan(clock.now().getTime());
      expect(session?.data).toEqual({ cartItems: [1, 2], nested: { a: 1 } });
      clock.advance(61);
      const touched = await request(b);
      expect(touched.port.cookies).toHaveLength(1);
      const row = await store.read(touched.manager.current()?.id as string);
      expect(row?.lastActiveAt.getTime()).toBe(clock.now().getTime());
    });

    it('enforces the per-user cap, signs out everywhere and revokes', async () => {
      const devices = [browser(), browser(), browser(), browser(), browser()];
      for (const b of devices) {
        await request(b, (m) => m.authenticate('alice'));
        clock.advance(1);
      }
      expect(await store.listForUser('alice')).toHaveLength(2);
      const [, , , fourth, fifth] = devices as [
        MemoryBrowser,
        MemoryBrowser,
        MemoryBrowser,
        MemoryBrowser,
        MemoryBrowser,
      ];
      const list = (await request(fifth, async (m) => m.listMySessions())).manager;
      const other = (await store.listForUser('alice')).find((s) => s.id !== list.current()?.id);
      await request(fifth, (m) => m.revoke(other?.id as string));
      expect((await request(fourth)).manager.isAuthenticated).toBe(false);
      await request(fifth, (m) => m.logoutAll());
      expect(await store.listForUser('alice')).toEqual([]);
      expect((await request(fifth)).manager.isAuthenticated).toBe(false);
    });

    it('signs out other devices and keeps this one', async () => {
      const [a, b] = [browser(), browser()];
      await request(a, (m) => m.authenticate('bob'));
      await request(b, (m) => m.authenticate('bob'));
      expect((await request(a, (m) => m.logoutOther())).manager.userId).toBe('bob');
      expect((await request(b)).manager.isAuthenticated).toBe(false);
      expect((await request(a)).manager.userId).toBe('bob');
    });
  });
});

// PostgreSQL has schemas: an app's withSchema() is kept.
forEachDialect(
  (spec) => {
    const t = useTestDatabase(spec);
    const clock = new FakeClock('2030-01-01T00:00:00.000Z');

    it('keeps a withSchema() of the app, so the table is found where the app put it', async () => {
      const schemaTable = uniqueTableName('plugins_schema');
      const schema = `${schemaTable}_s`;
      await t.db.schema.createSchema(schema).execute();
      try {
        const scoped = t.db.withSchema(schema).withPlugin(new CamelCasePlugin());
        await migrateToLatest(scoped, { tableName: schemaTable });
        const s = new SessionStore(scoped, { tableName: schemaTable, now: clock.now });
        const { token } = await s.create(
          { ipAddress: '', userAgent: '', deviceName: '', deviceType: 'desktop', fingerprint: 'v2.' },
          'carol',
        );
        expect((await s.readByToken(token))?.userId).toBe('carol');
        const tables = await t.db.introspection.getTables();
        expect(tables.some((x) => x.schema === schema && x.name === schemaTable)).toBe(true);
      } finally {
        await t.db.schema.dropSchema(schema).cascade().execute();
      }
    });
  },
  { only: ['pglite', 'postgres'] },
);

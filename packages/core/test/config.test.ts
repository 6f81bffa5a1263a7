import Database from 'better-sqlite3';
import { type DialectAdapter, Kysely, MssqlQueryCompiler, SqliteAdapter, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { durationToMs, migrateToLatest, SessionError, SessionStore } from '../src/index.js';

const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });

function configError(fn: () => unknown): SessionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionError);
    expect((error as SessionError).code).toBe('INVALID_CONFIG');
    return error as SessionError;
  }
  throw new Error('expected INVALID_CONFIG');
}

describe('configuration', () => {
  it('resolves the documented defaults', () => {
    const store = new SessionStore(db);
    expect(store.config).toMatchObject({
      ttlMs: 30 * 86_400_000,
      absoluteTtlMs: null,
      touchIntervalMs: 300_000,
      maxSessionsPerUser: 10,
      validateFingerprint: true,
      cookieName: '_session',
      tableName: 'sess_sessions',
    });
    expect(store.config.trustedProxies.size).toBe(0);
    expect(store.cookieConfig).toEqual({
      path: '/',
      domain: undefined,
      secure: true,
      httpOnly: true,
      sameSite: 'lax',
      secrets: [],
    });
    expect(store.now()).toBeInstanceOf(Date);
  });

  it.each([
    [{ maxSessionsPerUser: 0 }, 'maxSessionsPerUser'],
    [{ maxSessionsPerUser: -3 }, 'maxSessionsPerUser'],
    [{ maxSessionsPerUser: 1.5 }, 'maxSessionsPerUser'],
    [{ ttl: -5 }, 'ttl'],
    [{ ttl: 0 }, 'ttl'],
    [{ ttl: 'forever' }, 'ttl'],
    [{ ttl: Number.NaN }, 'ttl'],
    [{ absoluteTtl: -1 }, 'absoluteTtl'],
    [{ touchInterval: '5 minutes' }, 'touchInterval'],
    [{ touchInterval: -1 }, 'touchInterval'],
    [{ cookieName: 'has space' }, 'cookieName'],
    [{ cookieName: '' }, 'cookieName'],
    [{ tableName: 'x; drop table users' }, 'tableName'],
    [{ trustedProxies: ['not-a-cidr'] }, 'trustedProxies'],
    [{ now: 'yesterday' }, 'now'],
    [{ fingerprintHeaders: [] }, 'fingerprintHeaders'],
    [{ fingerprintHeaders: ['bad header'] }, 'fingerprintHeaders'],
    [{ fingerprintHeaders: ['user-agent', 'User-Agent'] }, 'fingerprintHeaders'],
    [{ fingerprintHeaders: ['a', 'b', 'c', 'd', 'e', 'f'] }, 'fingerprintHeaders'],
    // A touch interval as long as the session: active users would be signed out at ttl.
    [{ ttl: '15m', touchInterval: '15m' }, 'touchInterval'],
    [{ ttl: '15m', touchInterval: '1h' }, 'touchInterval'],
    // Lifetimes no cookie or Date can hold (Max-Age=NaN; Expires=Invalid Date).
    [{ ttl: 1e13 }, 'ttl'],
    [{ ttl: '401d' }, 'ttl'],
    [{ absoluteTtl: 1e13 }, 'absoluteTtl'],
    [{ rotationGrace: '6m' }, 'rotationGrace'],
    [{ rotationGrace: -1 }, 'rotationGrace'],
    [{ maxDataBytes: 0 }, 'maxDataBytes'],
    [{ maxDataBytes: 1.5 }, 'maxDataBytes'],
    [{ maxDataBytes: 64 * 1024 * 1024 }, 'maxDataBytes'],
    [{ clientIpHeader: 'X-Forwarded-For' }, 'clientIpHeader'],
    [{ operationTimeout: 0 }, 'operationTimeout'],
  ])('rejects %j at construction, naming the field', (options, field) => {
    const error = configError(() => new SessionStore(db, options as never));
    expect(error.message).toContain(`\`${field}\``);
  });

  it.each([
    [{ secret: 'too short' }, 'cookie.secret'],
    [{ secret: [] }, 'cookie.secret'],
    [{ sameSite: 'none', secure: false }, 'cookie.sameSite'],
    [{ sameSite: 'sideways' }, 'cookie.sameSite'],
    [{ path: 'relative' }, 'cookie.path'],
    [{ domain: 'a;b' }, 'cookie.domain'],
    [{ secure: 'false' }, 'cookie.secure'],
    [{ secure: 0 }, 'cookie.secure'],
    [{ httpOnly: 'yes' }, 'cookie.httpOnly'],
  ])('rejects cookie %j at construction, naming the field', (cookie, field) => {
    const error = configError(() => new SessionStore(db, {}, cookie as never));
    expect(error.message).toContain(`\`${field}\``);
  });

  it('accepts durations as seconds or strings', () => {
    expect(durationToMs('x', 90)).toBe(90_000);
    expect(durationToMs('x', '30d')).toBe(30 * 86_400_000);
    expect(durationToMs('x', '15m')).toBe(900_000);
    expect(durationToMs('x', '2h')).toBe(7_200_000);
    expect(durationToMs('x', '500ms')).toBe(500);
    expect(durationToMs('x', '1w')).toBe(604_800_000);
    const store = new SessionStore(db, { ttl: '1h', absoluteTtl: '1d', touchInterval: 0 });
    expect([store.config.ttlMs, store.config.absoluteTtlMs, store.config.touchIntervalMs]).toEqual([
      3_600_000, 86_400_000, 0,
    ]);
  });

  it('accepts a __Host- cookie name with the defaults', () => {
    expect(new SessionStore(db, { cookieName: '__Host-session' }).config.cookieName).toBe('__Host-session');
  });

  it('holds __HOST- and __host- names to the __Host- rules, as browsers match the prefix case-insensitively', () => {
    for (const cookieName of ['__HOST-sid', '__host-sid']) {
      expect(configError(() => new SessionStore(db, { cookieName }, { secure: false })).message).toContain(
        '`cookie.secure`',
      );
      expect(configError(() => new SessionStore(db, { cookieName }, { path: '/app' })).message).toContain(
        '`cookie.path`',
      );
    }
    expect(
      configError(() => new SessionStore(db, { cookieName: '__SECURE-sid' }, { secure: false })).message,
    ).toContain('`cookie.secure`');
  });

  it('defaults touchInterval to 5 minutes, or half of a shorter ttl', () => {
    expect(new SessionStore(db).config.touchIntervalMs).toBe(300_000);
    expect(new SessionStore(db, { ttl: 60 }).config.touchIntervalMs).toBe(30_000);
    expect(new SessionStore(db, { ttl: '400d' }).config.ttlMs).toBe(400 * 86_400_000);
  });

  it('gives SessionError a name, a code, a status and keeps the cause', () => {
    const cause = new Error('driver');
    const error = new SessionError('STORE_FAILURE', 'x', { cause });
    expect(error.name).toBe('SessionError');
    expect(error.status).toBe(503);
    expect(error.cause).toBe(cause);
    expect(new SessionError('UNAUTHENTICATED', 'x').status).toBe(401);
    expect(new SessionError('SESSION_NOT_FOUND', 'x').status).toBe(404);
    expect(SessionError.is(error, 'STORE_FAILURE')).toBe(true);
    expect(SessionError.is(new Error('x'))).toBe(false);
  });
});

describe('which SQL the database speaks', () => {
  /** `dialect`'s adapter as a plain object (no class to recognise). */
  function plainAdapter(dialect: SqliteDialect): DialectAdapter {
    const real = dialect.createAdapter();
    return {
      supportsCreateIfNotExists: real.supportsCreateIfNotExists,
      supportsTransactionalDdl: real.supportsTransactionalDdl,
      supportsReturning: real.supportsReturning,
      acquireMigrationLock: (...args) => real.acquireMigrationLock(...args),
      releaseMigrationLock: (...args) => real.releaseMigrationLock(...args),
    };
  }

  /** A dialect as a wrapper library might build it: Kysely's SQLite parts behind an adapter of its own. */
  function wrappedSqlite(): Kysely<any> {
    const inner = new SqliteDialect({ database: new Database(':memory:') });
    return new Kysely<any>({
      dialect: {
        createAdapter: () => plainAdapter(inner),
        createDriver: () => inner.createDriver(),
        createIntrospector: (k) => inner.createIntrospector(k),
        createQueryCompiler: () => inner.createQueryCompiler(),
      },
    });
  }

  it('refuses a dialect it cannot recognise instead of guessing (locking and cleanup depend on it)', async () => {
    // An adapter of its own and a compiler of another SQL (MSSQL's): nothing tells which family it is.
    const inner = new SqliteDialect({ database: new Database(':memory:') });
    const unknown = new Kysely<any>({
      dialect: {
        createAdapter: () => ({ ...plainAdapter(inner) }),
        createDriver: () => inner.createDriver(),
        createIntrospector: (k) => inner.createIntrospector(k),
        createQueryCompiler: () => new MssqlQueryCompiler(),
      },
    });
    expect(configError(() => new SessionStore(unknown)).message).toContain('`dialect`');
    await expect(migrateToLatest(unknown)).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    expect(configError(() => new SessionStore(db, { dialect: 'oracle' as never })).message).toContain(
      '`dialect`',
    );
  });

  it('recognises a wrapped dialect (an adapter of its own) by the SQL its compiler writes', () => {
    expect(() => new SessionStore(wrappedSqlite())).not.toThrow();
  });

  it('works with that dialect once told which SQL it speaks', async () => {
    const wrapped = wrappedSqlite();
    await migrateToLatest(wrapped, { dialect: 'sqlite' });
    const store = new SessionStore(wrapped, { dialect: 'sqlite' });
    const { token } = await store.create(
      { ipAddress: '', userAgent: '', deviceName: '', deviceType: 'desktop', fingerprint: 'v2.' },
      'alice',
    );
    expect((await store.readByToken(token))?.userId).toBe('alice');
  });

  it('recognises an adapter whose class name a minifier changed, by what it extends', () => {
    const dialect = new SqliteDialect({ database: new Database(':memory:') });
    const Renamed = class extends SqliteAdapter {};
    Object.defineProperty(Renamed, 'name', { value: 'a' });
    const minified = new Kysely<any>({
      dialect: {
        createAdapter: () => new Renamed(),
        createDriver: () => dialect.createDriver(),
        createIntrospector: (k) => dialect.createIntrospector(k),
        createQueryCompiler: () => dialect.createQueryCompiler(),
      },
    });
    // A bundler that minified Kysely too renamed SqliteAdapter itself: no class name is left to go by.
    const original = Object.getOwnPropertyDescriptor(SqliteAdapter, 'name');
    Object.defineProperty(SqliteAdapter, 'name', { value: 'b', configurable: true });
    try {
      expect(() => new SessionStore(minified)).not.toThrow();
    } finally {
      if (original) Object.defineProperty(SqliteAdapter, 'name', original);
    }
  });
});

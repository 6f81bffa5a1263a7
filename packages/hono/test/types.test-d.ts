import { type SessionManager, SessionStore } from '@sess/core';
import Database from 'better-sqlite3';
import { Hono, type MiddlewareHandler } from 'hono';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expectTypeOf, it } from 'vitest';
import { requireFresh, requireSession, type SessionEnv, session } from '../src/index.js';

type Cart = { cart: string[]; theme: 'light' | 'dark' };

describe('types', () => {
  const store = new SessionStore(
    new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) }),
  );

  it('carries the data generic from session<D>() to c.get("session")', () => {
    const middleware = session<Cart>({ store });
    expectTypeOf(middleware).toEqualTypeOf<
      MiddlewareHandler<{ Variables: { session: SessionManager<Cart> } }>
    >();

    const app = new Hono<SessionEnv<Cart>>();
    app.use(middleware);
    app.get('/', requireSession(), (c) => {
      const s = c.get('session');
      expectTypeOf(s).toEqualTypeOf<SessionManager<Cart>>();
      expectTypeOf(s.get('cart')).toEqualTypeOf<string[] | undefined>();
      expectTypeOf(c.var.session.get('theme')).toEqualTypeOf<'light' | 'dark' | undefined>();
      // @ts-expect-error: 'theme' only takes 'light' | 'dark'
      s.set('theme', 'blue');
      // @ts-expect-error: no such key in the declared data
      s.get('nope');
      return c.text('ok');
    });
  });

  it('types c.get("session") on an app chained from use()', () => {
    const app = new Hono().use(session<Cart>({ store }));
    app.get('/', (c) => {
      expectTypeOf(c.get('session').get('cart')).toEqualTypeOf<string[] | undefined>();
      return c.text('ok');
    });
  });

  it('keeps the session type behind requireFresh() and takes only durations', () => {
    const app = new Hono<SessionEnv<Cart>>();
    app.post('/account/sign-out-everywhere', requireFresh('10m'), (c) => {
      expectTypeOf(c.get('session')).toEqualTypeOf<SessionManager<Cart>>();
      return c.text('ok');
    });
    requireFresh(600);
    // @ts-expect-error: not a duration
    requireFresh('ten minutes');
  });
});

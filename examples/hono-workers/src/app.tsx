import { type CookieOptions, type SessionOptions, SessionStore } from '@sess/core';
import { requireSession, type SessionEnv, type SessionErrorResponder, session } from '@sess/hono';
import { type Context, Hono } from 'hono';
import type { GetConnInfo } from 'hono/conninfo';
import { csrf } from 'hono/csrf';
import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import { secureHeaders } from 'hono/secure-headers';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Kysely } from 'kysely';
import { DEMO_PASSWORDS, findUser, verifyCredentials } from './users.js';
import { type DemoData, DevicesPage, ErrorPage, formatTime, HomePage, LoginPage } from './views.js';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** The database, with the session table of `migrations/`. */
  db: Kysely<any>;
  /** Session behaviour (on D1: `batch: d1Batch(env.DB)`). */
  session?: SessionOptions | undefined;
  /** Cookie attributes. */
  cookie?: CookieOptions | undefined;
}

/** The app's Hono environment: the session at `c.get('session')`, typed with the demo's data. */
export type AppEnv = SessionEnv<DemoData>;

const NOTICES: Record<string, string> = {
  revoked: 'That device is signed out: its next request lands on the sign-in page.',
  others: 'Your other devices are signed out.',
  'signed-out': 'You are signed out.',
  everywhere: 'You are signed out on every device.',
  elsewhere: 'This browser was signed out: its session was ended elsewhere, or it expired.',
};

/**
 * The client address on Cloudflare: the `CF-Connecting-IP` header, which Cloudflare's edge sets (and `wrangler dev`
 * sets locally); clients cannot forge it on a deployed Worker.
 */
const cloudflareConnInfo: GetConnInfo = (c) => {
  const address = c.req.header('cf-connecting-ip');
  return { remote: address ? { address } : {} };
};

function page(c: Context, node: Child, status: ContentfulStatusCode = 200) {
  return c.html(html`<!doctype html>${node}`, status);
}

/** SessionErrors (a revoked id that is gone, a database failure) as an HTML page. */
const errorPage: SessionErrorResponder = (error, c) =>
  page(
    c,
    <ErrorPage status={error.status} code={error.code} message={error.message} />,
    error.status as ContentfulStatusCode,
  );

/**
 * The demo: sign-in with the demo users, a home page with a visit counter kept in the session, and "Your devices"
 * with revoke, "sign out all other devices" and "sign out everywhere". Every form POST passes Hono's `csrf()`.
 */
export function createApp(options: AppOptions): Hono<AppEnv> {
  const store = new SessionStore(options.db, options.session, options.cookie);
  const app = new Hono<AppEnv>();
  app.use(secureHeaders({ referrerPolicy: 'strict-origin-when-cross-origin' }));
  app.use(csrf());
  app.use(session<DemoData>({ store, errorResponse: errorPage, getConnInfo: cloudflareConnInfo }));

  /** A browser that is not signed in goes to the sign-in page; told so when its session was ended elsewhere. */
  const toSignIn = (c: Context<AppEnv>) =>
    c.redirect(c.get('session').rejection === 'not_found' ? '/login?done=elsewhere' : '/login', 303);
  const signedIn = requireSession({ onUnauthenticated: toSignIn });

  /** The signed-in demo user (a session of a user the demo no longer has counts as signed out). */
  const userOf = (c: Context<AppEnv>) => findUser(c.get('session').userId ?? '');

  app.get('/', signedIn, (c) => {
    const s = c.get('session');
    const user = userOf(c);
    if (!user) return toSignIn(c);
    const visits = (s.get('visits') ?? 0) + 1;
    s.set('visits', visits);
    const current = s.current();
    return page(
      c,
      <HomePage
        user={user}
        visits={visits}
        device={current?.deviceName ?? 'this device'}
        since={current ? formatTime(current.createdAt) : ''}
      />,
    );
  });

  app.get('/login', (c) => {
    const s = c.get('session');
    if (s.isAuthenticated) return c.redirect('/', 303);
    const done = s.rejection === 'not_found' ? 'elsewhere' : (c.req.query('done') ?? '');
    return page(c, <LoginPage passwords={DEMO_PASSWORDS} notice={NOTICES[done]} />);
  });

  app.post('/login', async (c) => {
    const body = await c.req.parseBody();
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const user = await verifyCredentials(username, password);
    if (!user) {
      return page(
        c,
        <LoginPage passwords={DEMO_PASSWORDS} username={username} error="Wrong username or password." />,
        401,
      );
    }
    // On D1 this is one batch: insert the session, drop a replaced one, trim the user's sessions to the cap.
    await c.get('session').authenticate(user.id, { visits: 0 });
    return c.redirect('/', 303);
  });

  app.post('/logout', async (c) => {
    await c.get('session').logout();
    return c.redirect('/login?done=signed-out', 303);
  });

  app.get('/devices', signedIn, async (c) => {
    const user = userOf(c);
    if (!user) return toSignIn(c);
    const sessions = await c.get('session').listMySessions();
    return page(
      c,
      <DevicesPage user={user} sessions={sessions} notice={NOTICES[c.req.query('done') ?? '']} />,
    );
  });

  app.post('/devices/:id/revoke', signedIn, async (c) => {
    await c.get('session').revoke(c.req.param('id'));
    return c.redirect('/devices?done=revoked', 303);
  });

  app.post('/devices/sign-out-others', signedIn, async (c) => {
    await c.get('session').logoutOther();
    return c.redirect('/devices?done=others', 303);
  });

  app.post('/devices/sign-out-everywhere', signedIn, async (c) => {
    await c.get('session').logoutAll();
    return c.redirect('/login?done=everywhere', 303);
  });

  /** Who is signed in, as JSON: `{ userId, sessionId }`; 401 JSON when nobody is. */
  app.get('/api/me', (c) => {
    const s = c.get('session');
    c.header('Cache-Control', 'no-store');
    if (!s.isAuthenticated) return c.json({ error: 'UNAUTHENTICATED' }, 401);
    return c.json({ userId: s.userId, sessionId: s.current()?.id ?? null });
  });

  return app;
}

/** The store's expired-row sweep, for the Worker's cron trigger. */
export function sweep(options: AppOptions): Promise<number> {
  return new SessionStore(options.db, options.session, options.cookie).cleanupExpired();
}

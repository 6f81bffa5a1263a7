import { type CookieOptions, SessionError, type SessionOptions, SessionStore } from '@sess/core';
import { DEMO_PASSWORDS, findUser, formatTime, verifyCredentials } from '@sess/demo-kit';
import {
  jsonErrorResponse,
  requireSession,
  type SessionEnv,
  type SessionErrorResponder,
  session,
} from '@sess/hono';
import { type Context, Hono } from 'hono';
import type { GetConnInfo } from 'hono/conninfo';
import { csrf } from 'hono/csrf';
import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import { secureHeaders } from 'hono/secure-headers';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Kysely } from 'kysely';
import { type DemoData, DevicesPage, ErrorPage, HomePage, LoginPage } from './views.js';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** The database (already migrated with `migrateToLatest(db, { tableName })`). */
  db: Kysely<any>;
  /** Session behaviour; `tableName` must match the migrated table. @default sess defaults */
  session?: SessionOptions | undefined;
  /** Cookie attributes. @default sess defaults (Secure, HttpOnly, SameSite=Lax) */
  cookie?: CookieOptions | undefined;
  /** The connection-info getter of the runtime. @default `@hono/node-server`'s */
  getConnInfo?: GetConnInfo | undefined;
}

/** The app's Hono environment: the session at `c.get('session')`, typed with the demo's data. */
export type AppEnv = SessionEnv<DemoData>;

const NOTICES: Record<string, (c: Context) => string> = {
  revoked: () => 'That device is signed out: its next request lands on the sign-in page.',
  others: (c) => {
    const n = Number(c.req.query('n') ?? 0);
    return `Signed out ${n} other device${n === 1 ? '' : 's'}.`;
  },
  everywhere: () => 'You are signed out on every device.',
  'signed-out': () => 'You are signed out.',
};

function notice(c: Context): string | undefined {
  return NOTICES[c.req.query('done') ?? '']?.(c);
}

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
 * Builds the demo app over a database: sign-in with the demo users, a home page with a visit counter and theme kept
 * in the session, and "Your devices". Every form POST passes Hono's `csrf()` Origin check.
 */
export function createApp(options: AppOptions): { app: Hono<AppEnv>; store: SessionStore } {
  const store = new SessionStore(options.db, options.session, options.cookie);
  const app = new Hono<AppEnv>();
  // Hono's csrf() checks the Origin of form POSTs; `no-referrer` would make browsers send `Origin: null`.
  app.use(secureHeaders({ referrerPolicy: 'strict-origin-when-cross-origin' }));
  app.use(csrf());
  app.use(session<DemoData>({ store, errorResponse: errorPage, getConnInfo: options.getConnInfo }));
  const signedIn = requireSession({ onUnauthenticated: (c) => c.redirect('/login', 303) });

  /** The signed-in demo user and the data of this session. */
  function who(c: Context<AppEnv>) {
    const s = c.get('session');
    const user = findUser(s.userId ?? '');
    return { s, user, theme: s.get('theme') ?? 'light' };
  }

  app.get('/', async (c) => {
    const { s, user, theme } = who(c);
    if (!user) return c.redirect('/login', 303);
    const visits = (s.get('visits') ?? 0) + 1;
    s.set('visits', visits);
    const current = s.current();
    return page(
      c,
      <HomePage
        user={user}
        visits={visits}
        theme={theme}
        device={current?.deviceName ?? 'this device'}
        since={current ? formatTime(current.createdAt) : ''}
      />,
    );
  });

  app.get('/login', (c) => {
    if (c.get('session').isAuthenticated) return c.redirect('/', 303);
    return page(c, <LoginPage passwords={DEMO_PASSWORDS} notice={notice(c)} />);
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
    await c.get('session').authenticate(user.id, { visits: 0, theme: 'light' });
    return c.redirect('/', 303);
  });

  app.post('/logout', async (c) => {
    await c.get('session').logout();
    return c.redirect('/login?done=signed-out', 303);
  });

  app.post('/theme', signedIn, async (c) => {
    const body = await c.req.parseBody();
    c.get('session').set('theme', body.theme === 'dark' ? 'dark' : 'light');
    return c.redirect('/', 303);
  });

  app.get('/devices', signedIn, async (c) => {
    const { s, user, theme } = who(c);
    if (!user) return c.redirect('/login', 303);
    const sessions = await s.listMySessions();
    return page(
      c,
      <DevicesPage user={user} theme={theme} sessions={sessions} now={store.now()} notice={notice(c)} />,
    );
  });

  app.post('/devices/sign-out-others', signedIn, async (c) => {
    const n = await c.get('session').logoutOther();
    return c.redirect(`/devices?done=others&n=${n}`, 303);
  });

  app.post('/devices/sign-out-everywhere', signedIn, async (c) => {
    await c.get('session').logoutAll();
    return c.redirect('/login?done=everywhere', 303);
  });

  app.post('/devices/:id/revoke', signedIn, async (c) => {
    await c.get('session').revoke(c.req.param('id'));
    return c.redirect('/devices?done=revoked', 303);
  });

  // The JSON API a single-page app calls with fetch(). Anonymous requests get 401 JSON, not the sign-in redirect.
  const apiSignedIn = requireSession({
    onUnauthenticated: (c) => jsonErrorResponse(new SessionError('UNAUTHENTICATED', 'Sign in first.'), c),
  });

  /** Who is signed in: `{ userId, sessionId }` (the session's public id, as on the devices page). */
  app.get('/api/me', apiSignedIn, (c) => {
    const s = c.get('session');
    c.header('Cache-Control', 'no-store');
    return c.json({ userId: s.userId, sessionId: s.current()?.id ?? null });
  });

  // A new token for this session, e.g. after a step-up or a privilege change (docs/security.md). The POST passes
  // csrf() like a form does: a same-origin fetch() sends `Sec-Fetch-Site: same-origin` and its Origin.
  app.post('/api/rotate', apiSignedIn, async (c) => {
    await c.get('session').rotate();
    return c.json({ ok: true });
  });

  return { app, store };
}

import {
  type CookieOptions,
  type Duration,
  durationToMs,
  SessionError,
  type SessionOptions,
  SessionStore,
} from '@sess/core';
import { DEMO_PASSWORDS, findUser, formatTime, verifyCredentials } from '@sess/demo-kit';
import {
  jsonErrorResponse,
  requireFresh,
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
import {
  CATALOGUE,
  ConfirmPasswordPage,
  type DemoData,
  DevicesPage,
  ErrorPage,
  GuestHomePage,
  HomePage,
  LoginPage,
} from './views.js';

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
  /** How recent the sign-in must be for "Sign out everywhere" (older: the password is asked again). @default '10m' */
  freshSignIn?: Duration | undefined;
}

/** The app's Hono environment: the session at `c.get('session')`, typed with the demo's data. */
export type AppEnv = SessionEnv<DemoData>;

const NOTICES: Record<string, (c: Context) => string> = {
  revoked: () => 'That device is signed out: its next request lands on the sign-in page.',
  others: (c) => {
    const n = Number(c.req.query('n') ?? 0);
    return `Signed out ${n} other device${n === 1 ? '' : 's'}.`;
  },
  'signed-out': () => 'You are signed out.',
  elsewhere: () => SIGNED_OUT_ELSEWHERE,
};

/** The flash notice after "Sign out everywhere", shown on the next page. */
const SIGNED_OUT_EVERYWHERE = 'You are signed out on every device.';

/**
 * What a browser reads when its cookie named a session that no longer exists (`rejection === 'not_found'`). That is
 * all sess knows: the session was ended elsewhere (revoked or "Sign out everywhere" on another device, or replaced
 * under the per-user cap), or it expired and the cleanup job removed it.
 */
export const SIGNED_OUT_ELSEWHERE =
  'This browser was signed out: its session was ended elsewhere (revoked or “Sign out everywhere” on another device) or it expired.';

/** Items a visitor can put in the cart. */
const ITEMS = new Set<string>(CATALOGUE.map((item) => item.id));

function notice(c: Context): string | undefined {
  return NOTICES[c.req.query('done') ?? '']?.(c);
}

/** A duration for people: "10 minutes", "1 minute", "90 seconds". */
function inWords(ms: number): string {
  const [n, unit] = ms % 60_000 === 0 ? [ms / 60_000, 'minute'] : [Math.round(ms / 1000), 'second'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * Where a browser that is not signed in goes: the sign-in page, with the "signed out elsewhere" notice when its
 * cookie named a session that no longer exists (`rejection === 'not_found'`). The notice travels in the URL, not as
 * a flash: a flash needs a guest session, so any request with a made-up token would write a row.
 */
function signInPage(c: Context): string {
  return (c as Context<AppEnv>).get('session').rejection === 'not_found' ? '/login?done=elsewhere' : '/login';
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
 * Builds the demo app over a database: a cart that works before sign-in (a guest session) and is kept at sign-in,
 * sign-in with the demo users and "Remember me", a home page with a visit counter and theme kept in the session, and
 * "Your devices", where "Sign out everywhere" asks for the password again when the sign-in is older than
 * `freshSignIn`. Every form POST passes Hono's `csrf()` Origin check.
 */
export function createApp(options: AppOptions): { app: Hono<AppEnv>; store: SessionStore } {
  // Guest sessions on: a visitor's cart lives in a session before sign-in (no row until something is added).
  const store = new SessionStore(options.db, { guests: true, ...options.session }, options.cookie);
  const freshSignIn = options.freshSignIn ?? '10m';
  const freshFor = inWords(durationToMs('freshSignIn', freshSignIn));
  const app = new Hono<AppEnv>();
  // Hono's csrf() checks the Origin of form POSTs; `no-referrer` would make browsers send `Origin: null`.
  app.use(secureHeaders({ referrerPolicy: 'strict-origin-when-cross-origin' }));
  app.use(csrf());
  app.use(session<DemoData>({ store, errorResponse: errorPage, getConnInfo: options.getConnInfo }));
  const signedIn = requireSession({ onUnauthenticated: (c) => c.redirect(signInPage(c), 303) });

  /** The signed-in demo user and the data of this session. */
  function who(c: Context<AppEnv>) {
    const s = c.get('session');
    const user = findUser(s.userId ?? '');
    return { s, user, theme: s.get('theme') ?? 'light' };
  }

  app.get('/', async (c) => {
    const { s, user, theme } = who(c);
    const cart = s.get('cart') ?? [];
    if (!user) {
      // A cookie whose session is gone or refused: back to the sign-in page.
      if (s.rejection !== null) return c.redirect(signInPage(c), 303);
      // A visitor (no session, or a guest one): the cart, and nothing written by looking.
      return page(c, <GuestHomePage cart={cart} notice={s.takeFlash<string>('notice')} />);
    }
    const visits = (s.get('visits') ?? 0) + 1;
    s.set('visits', visits);
    const current = s.current();
    return page(
      c,
      <HomePage
        user={user}
        visits={visits}
        theme={theme}
        cart={cart}
        device={current?.deviceName ?? 'this device'}
        since={current ? formatTime(current.createdAt) : ''}
        notice={s.takeFlash<string>('notice')}
      />,
    );
  });

  // The cart: a guest's lives in a guest session (created by this set()), and sign-in carries it over.
  app.post('/cart', async (c) => {
    const body = await c.req.parseBody();
    const item = typeof body.item === 'string' ? body.item : '';
    if (!ITEMS.has(item)) return c.text('Unknown item.', 400);
    const s = c.get('session');
    s.set('cart', [...(s.get('cart') ?? []), item]);
    return c.redirect('/', 303);
  });

  app.post('/cart/empty', (c) => {
    const s = c.get('session');
    if (s.get('cart')) s.remove('cart');
    return c.redirect('/', 303);
  });

  app.get('/login', (c) => {
    const s = c.get('session');
    if (s.isAuthenticated) return c.redirect('/', 303);
    const elsewhere = s.rejection === 'not_found' ? SIGNED_OUT_ELSEWHERE : undefined;
    return page(
      c,
      <LoginPage
        passwords={DEMO_PASSWORDS}
        notice={s.takeFlash<string>('notice') ?? elsewhere ?? notice(c)}
        cart={s.get('cart') ?? []}
      />,
    );
  });

  app.post('/login', async (c) => {
    const body = await c.req.parseBody();
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const remember = body.remember === 'on';
    const user = await verifyCredentials(username, password);
    if (!user) {
      return page(
        c,
        <LoginPage
          passwords={DEMO_PASSWORDS}
          username={username}
          remember={remember}
          cart={c.get('session').get('cart') ?? []}
          error="Wrong username or password."
        />,
        401,
      );
    }
    // A guest's data (the cart) is carried into the new session, which gets a new token; `remember: false` gives a
    // cookie that ends with the browser.
    await c.get('session').authenticate(user.id, { visits: 0, theme: 'light' }, { remember });
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

  /** Signs the user out on every device; the notice waits for the next page in a guest session. */
  async function signOutEverywhere(c: Context<AppEnv>) {
    const s = c.get('session');
    await s.logoutAll();
    s.flash('notice', SIGNED_OUT_EVERYWHERE);
    return c.redirect('/login', 303);
  }

  // A sensitive action: it needs a sign-in from the last 10 minutes; an older one is asked for the password again.
  app.post(
    '/devices/sign-out-everywhere',
    requireFresh(freshSignIn, {
      onStale: (c) => c.redirect('/devices/confirm-password', 303),
      onUnauthenticated: (c) => c.redirect(signInPage(c), 303),
    }),
    signOutEverywhere,
  );

  app.get('/devices/confirm-password', signedIn, (c) => {
    const { user, theme } = who(c);
    if (!user) return c.redirect('/login', 303);
    return page(c, <ConfirmPasswordPage user={user} theme={theme} freshFor={freshFor} />);
  });

  // Checks the password, records the fresh sign-in (reauthenticate(): also a new token), then signs out everywhere.
  app.post('/devices/confirm-password', signedIn, async (c) => {
    const { s, user, theme } = who(c);
    if (!user) return c.redirect('/login', 303);
    const body = await c.req.parseBody();
    const password = typeof body.password === 'string' ? body.password : '';
    if (!(await verifyCredentials(user.id, password))) {
      return page(
        c,
        <ConfirmPasswordPage user={user} theme={theme} freshFor={freshFor} error="Wrong password." />,
        401,
      );
    }
    await s.reauthenticate();
    return signOutEverywhere(c);
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

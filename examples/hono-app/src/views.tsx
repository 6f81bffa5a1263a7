import type { SessionListItem } from '@sess/core';
import { ago, type DemoUser, formatTime } from '@sess/demo-kit';
import type { Child } from 'hono/jsx';

/** What the demo keeps in each session's data (a guest session has only the cart). */
export type DemoData = { visits: number; theme: 'light' | 'dark'; cart?: string[] };

/** What the cart can hold. */
export const CATALOGUE = [
  { id: 'tea', name: 'Tea' },
  { id: 'coffee', name: 'Coffee' },
  { id: 'biscuits', name: 'Biscuits' },
] as const;

const STYLE = `
:root { color-scheme: light; --bg: #f6f7f9; --card: #fff; --text: #1d2330; --muted: #667085; --line: #e4e7ec;
  --accent: #2f5bd3; --accent-text: #fff; --danger: #c4320a; --badge: #e8f0ff; }
body.dark { color-scheme: dark; --bg: #14171c; --card: #1d2128; --text: #e6e8eb; --muted: #98a2b3; --line: #2e343e;
  --accent: #6e91f0; --accent-text: #0d1320; --danger: #f97066; --badge: #24324f; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, "Liberation Sans", sans-serif; background: var(--bg); color: var(--text); }
header { background: var(--card); border-bottom: 1px solid var(--line); }
a { color: var(--accent); }
header .bar { max-width: 880px; margin: 0 auto; padding: 12px 20px; display: flex; align-items: center; gap: 20px; }
header .brand { font-weight: 700; letter-spacing: .2px; }
header nav { display: flex; gap: 16px; flex: 1; }
header a { color: var(--text); text-decoration: none; }
header a:hover { color: var(--accent); }
main { max-width: 880px; margin: 28px auto; padding: 0 20px; }
h1 { font-size: 24px; margin: 0 0 6px; }
h2 { font-size: 17px; margin: 0 0 12px; }
p.lead { color: var(--muted); margin: 0 0 20px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 20px; margin-bottom: 18px; }
.big { font-size: 40px; font-weight: 700; line-height: 1.1; }
.muted { color: var(--muted); }
form.inline { display: inline; margin: 0; }
label { display: block; font-weight: 600; margin: 10px 0 4px; }
label.check { display: flex; align-items: center; gap: 8px; font-weight: 400; }
input[type=text], input[type=password] { width: 100%; max-width: 320px; padding: 8px 10px; border: 1px solid var(--line);
  border-radius: 6px; background: var(--bg); color: var(--text); font: inherit; }
button { font: inherit; border-radius: 6px; padding: 7px 14px; cursor: pointer; border: 1px solid var(--accent);
  background: var(--accent); color: var(--accent-text); }
button.secondary { background: transparent; color: var(--accent); }
button.danger { background: transparent; color: var(--danger); border-color: var(--danger); }
button.link { background: none; border: none; color: var(--text); padding: 0; }
button.link:hover { color: var(--accent); }
.actions { display: flex; gap: 10px; flex-wrap: wrap; margin-top: 14px; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 10px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .4px; color: var(--muted); font-weight: 600; }
tr.current td { background: var(--badge); }
td .sub { display: block; font-size: 13px; color: var(--muted); }
.badge { display: inline-block; font-size: 12px; font-weight: 600; padding: 2px 8px; border-radius: 999px;
  background: var(--accent); color: var(--accent-text); }
.notice { border-left: 4px solid var(--accent); }
.error { border-left: 4px solid var(--danger); }
code { background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: 1px 5px; }
`;

/** The page frame: header with navigation (and sign-out) when signed in. */
export function Layout(props: {
  title: string;
  user?: DemoUser | undefined;
  theme?: string | undefined;
  children?: Child;
}) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} · sess demo</title>
        {/* CSS is raw text: JSX children would be HTML-escaped (quotes in font names break). */}
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body class={props.theme === 'dark' ? 'dark' : 'light'}>
        <header>
          <div class="bar">
            <span class="brand">sess demo</span>
            {props.user ? (
              <>
                <nav>
                  <a href="/">Home</a>
                  <a href="/devices">Your devices</a>
                </nav>
                <span class="muted">{props.user.name}</span>
                <form class="inline" method="post" action="/logout">
                  <button class="link" type="submit">
                    Sign out
                  </button>
                </form>
              </>
            ) : (
              <nav>
                <a href="/">Home</a>
                <a href="/login">Sign in</a>
              </nav>
            )}
          </div>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

/** A status line (`notice`) or an error (`error`, announced at once by screen readers); nothing without text. */
function Notice(props: { kind: 'notice' | 'error'; text?: string | undefined }) {
  if (!props.text) return null;
  return (
    <div class={`card ${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.text}
    </div>
  );
}

/** The sign-in form, with the demo users and their passwords. */
export function LoginPage(props: {
  error?: string | undefined;
  notice?: string | undefined;
  username?: string | undefined;
  remember?: boolean | undefined;
  cart?: readonly string[] | undefined;
  passwords: Readonly<Record<string, string>>;
}) {
  const items = props.cart?.length ?? 0;
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      <p class="lead">
        Sessions live in a database table; sign in from two browsers and compare them under “Your devices”.
      </p>
      <Notice kind="notice" text={props.notice} />
      <Notice kind="error" text={props.error} />
      <div class="card">
        <form method="post" action="/login">
          <label for="username">Username</label>
          <input
            id="username"
            name="username"
            type="text"
            autocomplete="username"
            value={props.username ?? ''}
            required
          />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <label class="check" for="remember">
            <input id="remember" name="remember" type="checkbox" checked={props.remember ?? false} />
            Remember me
          </label>
          <p class="muted">
            Unticked, the cookie ends when you close the browser and the session after a day without use;
            ticked, it lasts 30 days from your last visit.
          </p>
          <div class="actions">
            <button type="submit">Sign in</button>
          </div>
        </form>
      </div>
      {items > 0 ? (
        <p class="muted" id="cart-note">
          Your cart ({items} item{items === 1 ? '' : 's'}) comes with you when you sign in.
        </p>
      ) : null}
      <div class="card">
        <h2>Demo users</h2>
        <table>
          <thead>
            <tr>
              <th>Username</th>
              <th>Password</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(props.passwords).map(([user, password]) => (
              <tr>
                <td>
                  <code>{user}</code>
                </td>
                <td>
                  <code>{password}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}

/** The cart: what is in it, and buttons to add to it or empty it. */
function CartCard(props: { cart: readonly string[]; signedIn: boolean }) {
  const names = props.cart.map((id) => CATALOGUE.find((item) => item.id === id)?.name ?? id);
  return (
    <div class="card" id="cart">
      <h2>Your cart</h2>
      {names.length === 0 ? (
        <p class="muted" id="cart-items">
          Empty.
        </p>
      ) : (
        <ul id="cart-items">
          {names.map((name) => (
            <li>{name}</li>
          ))}
        </ul>
      )}
      <p class="muted">
        {props.signedIn
          ? 'Kept in this session’s data; if you added items before signing in, sign-in carried them over.'
          : 'No account needed: the first item starts a guest session (a cookie and a row in the session table). Sign in and the cart comes with you.'}
      </p>
      <div class="actions">
        {CATALOGUE.map((item) => (
          <form class="inline" method="post" action="/cart">
            <button class="secondary" type="submit" name="item" value={item.id}>
              Add {item.name.toLowerCase()}
            </button>
          </form>
        ))}
        {names.length > 0 ? (
          <form class="inline" method="post" action="/cart/empty">
            <button class="danger" type="submit">
              Empty the cart
            </button>
          </form>
        ) : null}
      </div>
    </div>
  );
}

/** The home page of a visitor who is not signed in (no session yet, or a guest session): the cart. */
export function GuestHomePage(props: { cart: readonly string[]; notice?: string | undefined }) {
  return (
    <Layout title="Welcome">
      <h1>Welcome</h1>
      <p class="lead">
        Fill a cart without an account, then <a href="/login">sign in</a>: the cart is still there.
      </p>
      <Notice kind="notice" text={props.notice} />
      <CartCard cart={props.cart} signedIn={false} />
    </Layout>
  );
}

/** The home page: the visit counter and theme kept in this session's data. */
export function HomePage(props: {
  user: DemoUser;
  visits: number;
  theme: DemoData['theme'];
  cart: readonly string[];
  device: string;
  since: string;
  notice?: string | undefined;
}) {
  return (
    <Layout title="Home" user={props.user} theme={props.theme}>
      <h1>Hello, {props.user.name}</h1>
      <p class="lead">
        Signed in on {props.device} since {props.since}.
      </p>
      <Notice kind="notice" text={props.notice} />
      <div class="card">
        <h2>Visits in this session</h2>
        <div class="big" id="visits">
          {props.visits}
        </div>
        <p class="muted">
          Kept in the session's data and written once per request. Another browser signed in as{' '}
          {props.user.name} has its own count.
        </p>
      </div>
      <div class="card">
        <h2>Theme</h2>
        <p class="muted">Also kept in this session only: your other devices keep theirs.</p>
        <form method="post" action="/theme" class="actions">
          <button type="submit" name="theme" value="light" class={props.theme === 'light' ? '' : 'secondary'}>
            Light
          </button>
          <button type="submit" name="theme" value="dark" class={props.theme === 'dark' ? '' : 'secondary'}>
            Dark
          </button>
        </form>
      </div>
      <CartCard cart={props.cart} signedIn={true} />
      <p>
        <a href="/devices">See your devices →</a>
      </p>
    </Layout>
  );
}

/** The "Your devices" page: every live session of the user. */
export function DevicesPage(props: {
  user: DemoUser;
  theme: DemoData['theme'];
  sessions: SessionListItem<DemoData>[];
  now: Date;
  notice?: string | undefined;
}) {
  const others = props.sessions.filter((s) => !s.current).length;
  return (
    <Layout title="Your devices" user={props.user} theme={props.theme}>
      <h1>Your devices</h1>
      <p class="lead">
        Every browser signed in as {props.user.name}. Revoking one signs it out on its next request.
      </p>
      <Notice kind="notice" text={props.notice} />
      <div class="card">
        <table>
          <thead>
            <tr>
              <th>Device</th>
              <th>IP address</th>
              <th>Signed in</th>
              <th>Last active</th>
              <th>Remember me</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {[...props.sessions]
              .sort((x, y) => Number(y.current) - Number(x.current))
              .map((s) => (
                <tr
                  class={s.current ? 'current' : ''}
                  data-session-id={s.id}
                  data-current={String(s.current)}
                >
                  <td>
                    <strong class="device">{s.deviceName}</strong>
                    <span class="sub">{s.deviceType}</span>
                  </td>
                  <td>{s.ipAddress}</td>
                  <td>
                    {formatTime(s.createdAt)}
                    <span class="sub">{ago(s.createdAt, props.now)}</span>
                  </td>
                  <td>
                    {formatTime(s.lastActiveAt)}
                    <span class="sub">{ago(s.lastActiveAt, props.now)}</span>
                  </td>
                  <td class="remembered" data-remembered={String(s.remembered)}>
                    {s.remembered ? 'Yes' : 'No'}
                    <span class="sub">
                      {s.remembered ? 'kept for 30 days after the last visit' : 'until the browser closes'}
                    </span>
                  </td>
                  <td>
                    {s.current ? (
                      <span class="badge">This device</span>
                    ) : (
                      <form class="inline" method="post" action={`/devices/${s.id}/revoke`}>
                        <button class="danger" type="submit" aria-label={`Revoke ${s.deviceName}`}>
                          Revoke
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
        <div class="actions">
          <form class="inline" method="post" action="/devices/sign-out-others">
            <button class="secondary" type="submit" disabled={others === 0}>
              Sign out all other devices
            </button>
          </form>
          <form class="inline" method="post" action="/devices/sign-out-everywhere">
            <button class="danger" type="submit">
              Sign out everywhere
            </button>
          </form>
        </div>
      </div>
      <p class="muted">
        “Last active” moves when a request comes in after the touch interval (5 minutes by default), so most
        requests write nothing to the database.
      </p>
    </Layout>
  );
}

/** Asks for the password again before "Sign out everywhere" when the sign-in is not recent. */
export function ConfirmPasswordPage(props: {
  user: DemoUser;
  theme: DemoData['theme'];
  /** How recent a sign-in must be, in words ("10 minutes"). */
  freshFor: string;
  error?: string | undefined;
}) {
  return (
    <Layout title="Confirm your password" user={props.user} theme={props.theme}>
      <h1>Confirm your password</h1>
      <p class="lead">
        “Sign out everywhere” needs a sign-in from the last {props.freshFor}, and yours is older. Enter your
        password to go on.
      </p>
      <Notice kind="error" text={props.error} />
      <div class="card">
        <form method="post" action="/devices/confirm-password">
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <div class="actions">
            <button class="danger" type="submit">
              Confirm and sign out everywhere
            </button>
            <a href="/devices">Cancel</a>
          </div>
        </form>
      </div>
    </Layout>
  );
}

/** A page for a `SessionError` (or any other failure the user should read). */
export function ErrorPage(props: { status: number; code: string; message: string }) {
  return (
    <Layout title="Error">
      <h1>Something went wrong ({props.status})</h1>
      <div class="card error" role="alert">
        <p>
          <code>{props.code}</code> {props.message}
        </p>
        <p>
          <a href="/">Back to the start page</a>
        </p>
      </div>
    </Layout>
  );
}

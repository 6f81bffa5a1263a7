import type { SessionListItem } from '@sess/core';
import type { Child } from 'hono/jsx';
import type { DemoUser } from './users.js';

/** What the demo keeps in each session's data. */
export type DemoData = { visits: number };

// The Node demo's stylesheet (examples/hono-app/src/views.tsx), copied: this package runs on workerd alone.
const STYLE = `
:root { color-scheme: light; --bg: #f6f7f9; --card: #fff; --text: #1d2330; --muted: #667085; --line: #e4e7ec;
  --accent: #2f5bd3; --accent-text: #fff; --danger: #c4320a; --badge: #e8f0ff; }
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

/** "2026-12-06 14:03 UTC": Workers run in UTC, so the demo says so. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The page frame: header with navigation (and sign-out) when signed in. */
export function Layout(props: { title: string; user?: DemoUser | undefined; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} · sess on Workers</title>
        {/* CSS is raw text: JSX children would be HTML-escaped (quotes in font names break). */}
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        <header>
          <div class="bar">
            <span class="brand">sess on Workers</span>
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

/** A status line (`notice`) or an error (`error`); nothing without text. */
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
  passwords: Readonly<Record<string, string>>;
  error?: string | undefined;
  notice?: string | undefined;
  username?: string | undefined;
}) {
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      <p class="lead">
        Sessions live in a D1 table; sign in from two browsers and compare them under “Your devices”.
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
          <div class="actions">
            <button type="submit">Sign in</button>
          </div>
        </form>
      </div>
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

/** The home page: the visit counter kept in this session's data. */
export function HomePage(props: { user: DemoUser; visits: number; device: string; since: string }) {
  return (
    <Layout title="Home" user={props.user}>
      <h1>Hello, {props.user.name}</h1>
      <p class="lead">
        Signed in on {props.device} since {props.since}.
      </p>
      <div class="card">
        <h2>Visits in this session</h2>
        <div class="big" id="visits">
          {props.visits}
        </div>
        <p class="muted">
          Kept in the session's data in D1. Another browser signed in as {props.user.name} has its own count.
        </p>
      </div>
      <p>
        <a href="/devices">See your devices →</a>
      </p>
    </Layout>
  );
}

/** The "Your devices" page: every live session of the user, this one marked. */
export function DevicesPage(props: {
  user: DemoUser;
  sessions: SessionListItem<DemoData>[];
  notice?: string | undefined;
}) {
  const others = props.sessions.filter((s) => !s.current).length;
  return (
    <Layout title="Your devices" user={props.user}>
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
                  <td>{formatTime(s.createdAt)}</td>
                  <td>{formatTime(s.lastActiveAt)}</td>
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

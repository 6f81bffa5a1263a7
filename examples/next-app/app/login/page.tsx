import { DEMO_PASSWORDS, DEMO_USERS } from '@sess/demo-kit';
import type { Metadata } from 'next';
import { Suspense } from 'react';
import { Notice } from '@/components/notice';
import { type NoticeQuery, noticeOf } from '@/lib/notices';
import { takeFlash } from '@/lib/session';
import { signIn } from '../actions';

export const metadata: Metadata = { title: 'Sign in' };

type Props = { searchParams: Promise<NoticeQuery> };

// The form is the same for everyone, so it is part of the prerendered page; only the confirmation of what sent the
// browser here (`?done=...`, `?error=1`) is read per request. Signed-in visitors are sent on by proxy.ts.
export default function Login({ searchParams }: Props) {
  return (
    <>
      <h1>Sign in</h1>
      <p className="lead">
        Sessions live in a database table; sign in from two browsers and compare them under “Your devices”.
      </p>
      <Suspense fallback={null}>
        <LoginNotice searchParams={searchParams} />
      </Suspense>
      <div className="card">
        <form action={signIn}>
          <label htmlFor="user">User</label>
          <select id="user" name="user" defaultValue="alice">
            {DEMO_USERS.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
          <label className="check">
            <input type="checkbox" name="remember" defaultChecked />
            Keep me signed in on this browser
          </label>
          <div className="actions">
            <button type="submit">Sign in</button>
          </div>
        </form>
      </div>
      <div className="card">
        <h2>Demo users</h2>
        <table>
          <thead>
            <tr>
              <th>User</th>
              <th>Username</th>
              <th>Password</th>
            </tr>
          </thead>
          <tbody>
            {DEMO_USERS.map((u) => (
              <tr key={u.id}>
                <td>{u.name}</td>
                <td>
                  <code>{u.id}</code>
                </td>
                <td>
                  <code>{DEMO_PASSWORDS[u.id]}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/**
 * A flash left by the action or the proxy redirect that sent the browser here (read once: takeFlash() removes it
 * after the response), else the confirmation its query names.
 */
async function LoginNotice({ searchParams }: Props) {
  const flash = await takeFlash<string>('notice');
  return <Notice notice={flash ? { kind: 'notice', text: flash } : noticeOf(await searchParams)} />;
}

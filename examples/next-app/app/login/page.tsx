import { DEMO_PASSWORDS, DEMO_USERS } from '@sess/demo-kit';
import { redirect } from 'next/navigation';
import { getSession } from '../../lib/session';
import { signIn } from '../actions';

export default async function Login({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  if ((await getSession()).isAuthenticated) redirect('/devices');
  const { error } = await searchParams;
  return (
    <>
      <h1>Sign in</h1>
      {error ? <p className="error">Wrong user or password.</p> : null}
      <form action={signIn} className="login">
        <label>
          User
          <select name="user" defaultValue="alice">
            {DEMO_USERS.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit">Sign in</button>
      </form>
      <p>
        Demo users:{' '}
        {DEMO_USERS.map((u) => (
          <code key={u.id}>
            {u.id} / {DEMO_PASSWORDS[u.id]}{' '}
          </code>
        ))}
      </p>
    </>
  );
}

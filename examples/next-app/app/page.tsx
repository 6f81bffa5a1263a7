import Link from 'next/link';
import { getSession } from '../lib/session';
import { countVisit } from './actions';

export default async function Home() {
  const session = await getSession();
  if (!session.isAuthenticated) {
    return (
      <>
        <h1>sess on Next.js</h1>
        <p>
          You are signed out. <Link href="/login">Sign in</Link> with a demo user.
        </p>
      </>
    );
  }
  return (
    <>
      <h1>Hello</h1>
      <p>
        This session has counted <strong data-testid="visits">{session.get('visits') ?? 0}</strong> visits.
      </p>
      {/* Server components cannot write: the counter goes up in a server action. */}
      <form action={countVisit}>
        <button type="submit">Count a visit</button>
      </form>
    </>
  );
}

import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { Suspense } from 'react';
import { ago } from '@/lib/format';
import { app, getSession } from '@/lib/session';
import { userName } from '@/lib/users';
import { countVisit } from './actions';

export const metadata: Metadata = { title: 'Home' };

export default function Home() {
  return (
    <Suspense fallback={<HomeSkeleton />}>
      <Greeting />
    </Suspense>
  );
}

/** The signed-in user's home: who, on which device, and this session's visit counter. */
async function Greeting() {
  const session = await getSession();
  const current = session.current();
  if (current?.userId == null) redirect('/login'); // signed out or a guest: the proxy sends signed-out visitors there first; this is the fallback
  const name = await userName((await app()).db, current.userId);
  const now = session.store.now(); // after getSession(): read for this request, never while prerendering
  return (
    <>
      <h1>Hello, {name}</h1>
      <p className="lead">
        Signed in {ago(current.createdAt, now)} on {current.deviceName}.
      </p>
      <div className="card">
        <h2>Visits in this session</h2>
        <div className="big" data-testid="visits">
          {session.get('visits') ?? 0}
        </div>
        <p className="muted">
          Kept in this session's data and written once per action. Another browser signed in as {name} has its
          own count.
        </p>
        {/* Server components cannot write: the counter goes up in a server action. */}
        <form action={countVisit} className="actions">
          <button type="submit">Count a visit</button>
        </form>
      </div>
      <p>
        <Link href="/devices">See your devices →</Link>
      </p>
    </>
  );
}

function HomeSkeleton() {
  return (
    <>
      <h1>Hello</h1>
      <p className="lead">Loading your session…</p>
      <div className="card" aria-hidden="true">
        <span className="skeleton" style={{ width: '40%' }} />
        <span className="skeleton" style={{ width: '15%', height: '40px' }} />
        <span className="skeleton" style={{ width: '70%' }} />
      </div>
    </>
  );
}

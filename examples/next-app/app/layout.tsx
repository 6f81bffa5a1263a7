import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { app, getSession } from '../lib/session';
import { userName } from '../lib/users';
import { signOut } from './actions';
import './globals.css';

export const metadata: Metadata = { title: 'sess · Next.js demo' };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The read-only view: one lookup per request, shared with the page through React's cache.
  const session = await getSession();
  const name = session.userId ? await userName((await app()).db, session.userId) : null;
  return (
    <html lang="en">
      <body>
        <header>
          <nav>
            <Link href="/">Home</Link>
            <Link href="/devices">Your devices</Link>
            <a href="/api/me">/api/me</a>
            <a href="/api/sessions">/api/sessions</a>
          </nav>
          {name ? (
            <form action={signOut}>
              <span data-testid="signed-in-as">Signed in as {name}</span>
              <button type="submit">Sign out</button>
            </form>
          ) : (
            <Link href="/login">Sign in</Link>
          )}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}

'use server';

import type { SessionManager } from '@sess/core';
import { redirect } from 'next/navigation';
import { app, type DemoData, withSessionAction } from '@/lib/session';
import { checkPassword } from '@/lib/users';

// Every action ends with a redirect that names what happened (`?done=...`): the page it lands on says so.

/** Sends a signed-out visitor to the login page (an action can outlive the session it was rendered for). */
function requireSignedIn(session: SessionManager<DemoData>): void {
  if (!session.isAuthenticated) redirect('/login');
}

/** Signs in with a demo user's password; a new session (and cookie) replaces any current one. */
export const signIn = withSessionAction(async (session, form: FormData) => {
  const { db } = await app();
  const user = await checkPassword(db, String(form.get('user') ?? ''), String(form.get('password') ?? ''));
  if (!user) redirect('/login?error=1');
  // "Keep me signed in" unticked: a browser-session cookie (gone when the browser closes), a 1-day server lifetime.
  await session.authenticate(user.id, { visits: 0 }, { remember: form.get('remember') === 'on' });
  redirect('/devices?done=signed-in');
});

/** Adds one to the session's visit counter: the change is written once, after the action. */
export const countVisit = withSessionAction(async (session) => {
  requireSignedIn(session);
  session.set('visits', (session.get('visits') ?? 0) + 1);
  redirect('/');
});

/** Ends one of the user's sessions by its public id (this one too, which signs this browser out). */
export const revokeSession = withSessionAction(async (session, form: FormData) => {
  requireSignedIn(session);
  await session.revoke(String(form.get('id') ?? ''));
  redirect(session.isAuthenticated ? '/devices?done=revoked' : '/login?done=signed-out');
});

/** Ends every other session of the user; this one stays. */
export const signOutOthers = withSessionAction(async (session) => {
  requireSignedIn(session);
  const n = await session.logoutOther();
  redirect(`/devices?done=others&n=${n}`);
});

/**
 * Ends every session of the user, this one included. The sign-in page says so through a flash message: set after
 * logoutAll() (which ends the session it would live in), it waits in a new guest session (`guests: true`).
 */
export const signOutEverywhere = withSessionAction(async (session) => {
  requireSignedIn(session);
  await session.logoutAll();
  session.flash('notice', 'You are signed out on every device, this one included.');
  redirect('/login');
});

/** Ends this session. */
export const signOut = withSessionAction(async (session) => {
  await session.logout();
  redirect('/login?done=signed-out');
});

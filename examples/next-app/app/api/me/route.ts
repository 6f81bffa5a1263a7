import { SessionError } from '@sess/core';
import { app, withSession } from '@/lib/session';
import { userName } from '@/lib/users';

/** The signed-in user and this session; 401 JSON when signed out. */
export const GET = withSession(async (_request, { session }) => {
  const current = session.current();
  // A SessionError thrown here becomes `{ error: { code, message } }` with its status.
  // A guest session (userId null) is not a sign-in.
  if (current?.userId == null) {
    throw new SessionError('UNAUTHENTICATED', 'Sign in first: this request has no session.');
  }
  return Response.json({
    userId: current.userId,
    name: await userName((await app()).db, current.userId),
    sessionId: current.id,
    visits: session.get('visits') ?? 0,
    expiresAt: current.expiresAt.toISOString(),
  });
});

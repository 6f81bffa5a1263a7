// @ts-check
import { runtimeName, withSession } from '../../../lib/session';

export const runtime = 'edge';

/** The signed-in user, and where this handler ran (the test expects the edge runtime). */
export const GET = withSession(async (_request, { session }) => {
  if (!session.isAuthenticated) {
    return Response.json({ error: 'Sign in first.', runtime: runtimeName() }, { status: 401 });
  }
  return Response.json({ userId: session.userId, runtime: runtimeName() });
});

// @ts-check
import { runtimeName, withSession } from '../../../lib/session';

export const runtime = 'edge';

/** Ends this session (its row is deleted, the cookie cleared). */
export const POST = withSession(async (_request, { session }) => {
  await session.logout();
  return Response.json({ signedOut: true, runtime: runtimeName() });
});

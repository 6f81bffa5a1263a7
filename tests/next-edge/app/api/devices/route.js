// @ts-check
import { runtimeName, withSession } from '../../../lib/session';

export const runtime = 'edge';

/** The user's live sessions ("your devices"), most recently active first. */
export const GET = withSession(async (_request, { session }) => {
  if (!session.isAuthenticated) return Response.json({ error: 'Sign in first.' }, { status: 401 });
  const devices = (await session.listMySessions()).map((s) => ({ id: s.id, current: s.current }));
  return Response.json({ devices, runtime: runtimeName() });
});

/** Revokes one of the user's other sessions: `DELETE /api/devices?id=...`. */
export const DELETE = withSession(async (request, { session }) => {
  if (!session.isAuthenticated) return Response.json({ error: 'Sign in first.' }, { status: 401 });
  await session.revoke(request.nextUrl.searchParams.get('id') ?? '');
  return Response.json({ revoked: true, runtime: runtimeName() });
});

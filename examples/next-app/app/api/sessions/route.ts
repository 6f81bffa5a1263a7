import { withSession } from '@/lib/session';

/** The signed-in user's sessions (public ids and device metadata; never a token); 401 JSON when signed out. */
export const GET = withSession(async (_request, { session }) => {
  const sessions = await session.listMySessions();
  return Response.json({
    sessions: sessions.map((s) => ({
      id: s.id,
      current: s.current,
      deviceName: s.deviceName,
      deviceType: s.deviceType,
      remembered: s.remembered,
      ipAddress: s.ipAddress,
      createdAt: s.createdAt.toISOString(),
      lastActiveAt: s.lastActiveAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
    })),
  });
});

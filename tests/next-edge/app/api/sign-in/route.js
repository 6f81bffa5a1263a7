// @ts-check
import { runtimeName, withSession } from '../../../lib/session';

export const runtime = 'edge';

/** Signs in whoever the JSON body names (`{ "user": "alice" }`): a test app, no passwords. */
export const POST = withSession(async (request, { session }) => {
  const { user } = /** @type {{ user?: unknown }} */ (await request.json());
  if (typeof user !== 'string' || user === '')
    return Response.json({ error: 'Name a user.' }, { status: 400 });
  await session.authenticate(user); // create(): an interactive transaction, over Neon's WebSocket Pool
  return Response.json({ userId: session.userId, runtime: runtimeName() });
});

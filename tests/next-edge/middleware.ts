import { type NextRequest, NextResponse } from 'next/server';
import { runtimeName, sessionProxy } from './lib/session';

// `sessionProxy` on the edge runtime. Next.js 16 runs `proxy.ts` on Node.js only (`runtime: 'edge'` there fails
// `next build`: "Proxy does not support Edge runtime."), so the only place a proxy can run on the edge is the
// deprecated `middleware.ts`, which Next.js still runs on the edge runtime by default. `/guarded` answers from here:
// the user and the runtime when signed in, a redirect to /api/me when not.
export function middleware(request: NextRequest) {
  return sessionProxy(request, (session) =>
    session.isAuthenticated
      ? NextResponse.json({ userId: session.userId, runtime: runtimeName(), from: 'middleware' })
      : NextResponse.redirect(new URL('/api/me', request.url)),
  );
}

export const config = { matcher: ['/guarded'] };

import type { NextRequest } from 'next/server';
import { sessionProxy } from './lib/session';

/**
 * Keeps sessions alive while a user only reads pages: server components cannot write, so a touch that falls due
 * on a page request happens here (one lookup per page request; no query without the cookie).
 */
export function proxy(request: NextRequest) {
  return sessionProxy(request);
}

export const config = {
  // Pages only: route handlers and server actions refresh the session themselves.
  matcher: ['/((?!api/|_next/static|_next/image|favicon.ico).*)'],
};

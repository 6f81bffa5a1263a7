import { type NextRequest, NextResponse } from 'next/server';
import { sessionProxy } from '@/lib/session';

/** Pages only a signed-in user sees. */
const SIGNED_IN_ONLY = ['/', '/devices'];

/**
 * Keeps sessions alive while a user only reads pages (server components cannot write: a touch that falls due on a
 * page request happens here), and sends visitors where they belong before a page renders: signed out to the login
 * page, signed in away from it. One lookup per page request with the cookie; no query without it.
 */
export function proxy(request: NextRequest) {
  return sessionProxy(request, (session) => {
    const path = request.nextUrl.pathname;
    if (!session.isAuthenticated && SIGNED_IN_ONLY.includes(path)) {
      // The cookie named a session that was ended elsewhere (revoked, "sign out everywhere" on another device):
      // say so on the sign-in page. In the URL, not as a flash: a flash needs a guest row, and any made-up cookie
      // would then write one.
      const elsewhere = session.rejection === 'not_found' ? '?done=elsewhere' : '';
      return NextResponse.redirect(new URL(`/login${elsewhere}`, request.url));
    }
    if (session.isAuthenticated && path === '/login') {
      return NextResponse.redirect(new URL('/', request.url));
    }
  });
}

export const config = {
  // Pages only: route handlers and server actions refresh the session themselves.
  matcher: ['/((?!api/|_next/static|_next/image|favicon.ico).*)'],
};

import { GeistMono } from 'geist/font/mono';
import { GeistSans } from 'geist/font/sans';
import type { Metadata } from 'next';
import Link from 'next/link';
import { type ReactNode, Suspense } from 'react';
import { UserMenu } from '@/components/user-menu';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'sess · Next.js demo', template: '%s · sess demo' },
  description:
    'Database-backed sessions on the Next.js App Router: sign in, your devices, sign out everywhere.',
};

// The template's Geist fonts, from the `geist` package (self-hosted) rather than Google Fonts: builds need no
// network beyond the npm registry.
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <body>
        <header className="site">
          <div className="bar">
            <Link href="/" className="brand">
              sess demo<small>Next.js</small>
            </Link>
            {/* The session is request data: the menu streams in behind its own boundary, the page does not wait. */}
            <Suspense fallback={<div className="menu" />}>
              <UserMenu />
            </Suspense>
          </div>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}

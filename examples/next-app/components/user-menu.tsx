import { signOut } from '@/app/actions';
import { app, getSession } from '@/lib/session';
import { userName } from '@/lib/users';
import { NavLinks } from './nav-links';

/**
 * The header's navigation, the user's name and "Sign out"; empty when signed out. It reads the session, so the
 * layout renders it inside <Suspense>: the rest of the page does not wait for it.
 */
export async function UserMenu() {
  const session = await getSession();
  if (!session.userId) return <div className="menu" />;
  const name = await userName((await app()).db, session.userId);
  return (
    <div className="menu">
      <NavLinks
        links={[
          { href: '/', label: 'Home' },
          { href: '/devices', label: 'Your devices' },
        ]}
      />
      <span className="muted" data-testid="signed-in-as">
        {name}
      </span>
      <form className="inline" action={signOut}>
        <button className="link" type="submit">
          Sign out
        </button>
      </form>
    </div>
  );
}

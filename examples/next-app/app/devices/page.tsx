import { redirect } from 'next/navigation';
import { getSession } from '../../lib/session';
import { revokeSession, signOutEverywhere, signOutOthers } from '../actions';

export default async function Devices() {
  const session = await getSession();
  if (!session.isAuthenticated) redirect('/login');
  // Reading the list is allowed on the read-only view; every change below goes through a server action.
  const sessions = await session.listMySessions();
  return (
    <>
      <h1>Your devices</h1>
      <table>
        <thead>
          <tr>
            <th>Device</th>
            <th>IP</th>
            <th>Signed in</th>
            <th>Last active</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.id} data-testid="device" data-session-id={s.id} data-current={s.current}>
              <td>
                {s.deviceName} ({s.deviceType})
              </td>
              <td>{s.ipAddress}</td>
              <td>{s.createdAt.toISOString()}</td>
              <td>{s.lastActiveAt.toISOString()}</td>
              <td>
                {s.current ? <strong>This device</strong> : null}
                <form action={revokeSession}>
                  <input type="hidden" name="id" value={s.id} />
                  <button type="submit">{s.current ? 'Sign out' : 'Revoke'}</button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <form action={signOutOthers}>
          <button type="submit">Sign out other devices</button>
        </form>
        <form action={signOutEverywhere}>
          <button type="submit">Sign out everywhere</button>
        </form>
      </div>
    </>
  );
}

import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { Suspense } from 'react';
import { Notice } from '@/components/notice';
import { ago, formatTime } from '@/lib/format';
import { type NoticeQuery, noticeOf } from '@/lib/notices';
import { getSession } from '@/lib/session';
import { revokeSession, signOutEverywhere, signOutOthers } from '../actions';

export const metadata: Metadata = { title: 'Your devices' };

type Props = { searchParams: Promise<NoticeQuery> };

export default function Devices({ searchParams }: Props) {
  return (
    <>
      <h1>Your devices</h1>
      <p className="lead">
        Every browser signed in to your account. Revoking one signs it out on its next request.
      </p>
      <Suspense fallback={<DevicesSkeleton />}>
        <DeviceList searchParams={searchParams} />
      </Suspense>
      <p className="muted small">
        “Last active” moves when a request comes in after the touch interval (5 minutes), so most requests
        write nothing to the database.
      </p>
    </>
  );
}

/** The user's sessions, this one first; every change goes through a server action. */
async function DeviceList({ searchParams }: Props) {
  const session = await getSession();
  if (!session.isAuthenticated) redirect('/login'); // the proxy sends signed-out visitors there first
  const [sessions, query] = await Promise.all([session.listMySessions(), searchParams]);
  const now = session.store.now();
  // listMySessions() is most recently active first; this browser goes on top.
  const rows = [...sessions].sort((a, b) => Number(b.current) - Number(a.current));
  const others = rows.length - 1;
  const ipUnknown = rows.some((s) => s.ipAddress === 'unknown');
  return (
    <>
      <Notice notice={noticeOf(query)} />
      <div className="card">
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th>Device</th>
                <th className="wide-only">IP address</th>
                <th className="wide-only">Signed in</th>
                <th>Last active</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr
                  key={s.id}
                  className={s.current ? 'current' : undefined}
                  data-testid="device"
                  data-session-id={s.id}
                  data-current={s.current}
                  data-remembered={s.remembered}
                >
                  <td>
                    <strong>{s.deviceName}</strong>
                    <span className="sub">
                      {s.deviceType}
                      {s.remembered ? null : ' · until the browser closes'}
                      <span className="phone-only"> · IP {ipText(s.ipAddress)}</span>
                    </span>
                  </td>
                  <td className="wide-only">
                    {s.ipAddress === 'unknown' ? (
                      <span className="muted">{ipText(s.ipAddress)}</span>
                    ) : (
                      <code>{s.ipAddress}</code>
                    )}
                  </td>
                  <td className="wide-only">
                    <span className="when">{ago(s.createdAt, now)}</span>
                    <span className="sub when">{formatTime(s.createdAt)}</span>
                  </td>
                  <td>
                    <span className="when">{ago(s.lastActiveAt, now)}</span>
                    <span className="sub when">{formatTime(s.lastActiveAt)}</span>
                  </td>
                  <td className="end">
                    {s.current ? (
                      <span className="badge">This device</span>
                    ) : (
                      <form className="inline" action={revokeSession}>
                        <input type="hidden" name="id" value={s.id} />
                        <button className="danger" type="submit" aria-label={`Revoke ${s.deviceName}`}>
                          Revoke
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="actions">
          <form className="inline" action={signOutOthers}>
            <button className="secondary" type="submit" disabled={others === 0}>
              Sign out all other devices
            </button>
          </form>
          <form className="inline" action={signOutEverywhere}>
            <button className="danger" type="submit">
              Sign out everywhere
            </button>
          </form>
        </div>
      </div>
      {ipUnknown ? (
        <p className="muted small" data-testid="ip-note">
          * Not recorded: Next.js tells the app no client address, and an <code>X-Forwarded-For</code> header
          could be sent by anyone. Behind a reverse proxy, set <code>TRUSTED_PROXIES</code> to its address
          range and the addresses it forwards are shown.
        </p>
      ) : null}
    </>
  );
}

/** The client IP, or why there is none (explained under the table). */
function ipText(ipAddress: string): string {
  return ipAddress === 'unknown' ? 'not recorded*' : ipAddress;
}

function DevicesSkeleton() {
  return (
    <div className="card" aria-hidden="true">
      <span className="skeleton" style={{ width: '100%' }} />
      <span className="skeleton" style={{ width: '90%' }} />
      <span className="skeleton" style={{ width: '60%' }} />
    </div>
  );
}

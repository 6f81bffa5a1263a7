import type { EventMeta } from './events.js';
import { parseData, type SessionData } from './session-data.js';

/** The row as stored. @internal */
export interface SessionRow {
  id: string;
  token_hash: string;
  user_id: string;
  ip_address: string;
  user_agent: string;
  device_name: string;
  device_type: string;
  fingerprint: string;
  data: string;
  version: number | string;
  created_at: number | string | bigint;
  last_active_at: number | string | bigint;
  expires_at: number | string | bigint;
  /** 1 (or true) unless signed in with `remember: false`. */
  remembered: number | string | boolean;
  /** Epoch ms of the last sign-in or reauthentication; NULL for guests and for rows written before migration 0004. */
  authenticated_at: number | string | bigint | null;
}

/** `user_id` of a guest session: no user id can be empty (`checkUserId`), so no user ever owns these rows. */
export const GUEST_USER_ID = '';

/** The columns a session is read with. @internal */
export const COLUMNS = [
  'id',
  'user_id',
  'ip_address',
  'user_agent',
  'device_name',
  'device_type',
  'fingerprint',
  'data',
  'version',
  'created_at',
  'last_active_at',
  'expires_at',
  'remembered',
  'authenticated_at',
] as const;
export const META_COLUMNS = [
  'id',
  'user_id',
  'ip_address',
  'user_agent',
  'device_name',
  'device_type',
] as const;
export type MetaRow = Pick<SessionRow, (typeof META_COLUMNS)[number]>;

/** The row as the `SessionData` the API hands out (dates as `Date`, data parsed). @internal */
export function toSessionData(row: SessionRow): SessionData {
  const userId = userIdOf(row);
  return {
    id: row.id,
    userId,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    deviceName: row.device_name,
    deviceType: row.device_type,
    fingerprint: row.fingerprint,
    data: parseData(row.data, row.id),
    createdAt: new Date(Number(row.created_at)),
    lastActiveAt: new Date(Number(row.last_active_at)),
    expiresAt: new Date(Number(row.expires_at)),
    remembered: isRemembered(row.remembered),
    // Rows from before migration 0004 have no sign-in time: they were signed in when they were created.
    authenticatedAt:
      userId === null
        ? null
        : new Date(Number(row.authenticated_at === null ? row.created_at : row.authenticated_at)),
  };
}

/** The `remembered` column as a boolean (SQLite and MySQL give 0/1, PostgreSQL an integer, some drivers a string). */
export function isRemembered(value: unknown): boolean {
  return value === true || Number(value) === 1;
}

/** A row's user id as the API names it: `null` for a guest. */
export function userIdOf(row: Pick<SessionRow, 'user_id'>): string | null {
  return row.user_id === GUEST_USER_ID ? null : row.user_id;
}

/** Client metadata of a row, for events. @internal */
export function eventMeta(row: MetaRow): EventMeta {
  return {
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    deviceName: row.device_name,
    deviceType: row.device_type,
  };
}

/** Client metadata of a session, for events. @internal */
export function eventMetaOf(session: SessionData<object>): EventMeta {
  return {
    ipAddress: session.ipAddress,
    userAgent: session.userAgent,
    deviceName: session.deviceName,
    deviceType: session.deviceType,
  };
}

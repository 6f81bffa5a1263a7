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
}

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
  return {
    id: row.id,
    userId: row.user_id,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    deviceName: row.device_name,
    deviceType: row.device_type,
    fingerprint: row.fingerprint,
    data: parseData(row.data, row.id),
    createdAt: new Date(Number(row.created_at)),
    lastActiveAt: new Date(Number(row.last_active_at)),
    expiresAt: new Date(Number(row.expires_at)),
  };
}

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

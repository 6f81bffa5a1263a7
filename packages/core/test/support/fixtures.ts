import type { SessionMeta } from '../../src/index.js';

/** The client metadata of a test session: a desktop Chrome at a documentation address. */
export function meta(overrides: Partial<SessionMeta> = {}): SessionMeta {
  return {
    ipAddress: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (test)',
    deviceName: 'Chrome on macOS',
    deviceType: 'desktop',
    fingerprint: 'a'.repeat(64),
    ...overrides,
  };
}

/** Times of a {@link sessionRow}, in epoch ms. */
export interface RowTimes {
  createdAt: number;
  expiresAt: number;
}

/**
 * A row of the session table written directly (bulk seeding, faster than the store): id `<prefix><n>` (26
 * characters, ordered by `n`), a token hash made from `n`, user `user-<n % users>`, created and last active at
 * `createdAt`.
 */
export function sessionRow(n: number, times: RowTimes, options: { prefix?: string; users?: number } = {}) {
  const { prefix = 'S', users = 3 } = options;
  return {
    id: `${prefix}${String(n).padStart(25, '0')}`,
    token_hash: n.toString(16).padStart(64, '0'),
    user_id: `user-${n % users}`,
    ip_address: '203.0.113.7',
    user_agent: 'Mozilla/5.0 (test)',
    device_name: 'Chrome on macOS',
    device_type: 'desktop',
    fingerprint: 'f'.repeat(64),
    data: '{}',
    created_at: times.createdAt,
    last_active_at: times.createdAt,
    expires_at: times.expiresAt,
  };
}

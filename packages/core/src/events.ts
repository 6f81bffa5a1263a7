import type { SessionError } from './errors.js';

/** Why a session was destroyed. */
export type DestroyReason =
  | 'logout'
  | 'logout_all'
  | 'logout_other'
  | 'revoke'
  | 'eviction'
  | 'fingerprint_mismatch'
  | 'expiry_cleanup'
  | 'authenticate'
  | 'admin';

/**
 * Why a presented cookie was rejected. `replaced`: a token that `rotate()` replaced, after its grace window (the
 * session lives on; the cookie is left alone). `fingerprint_unverifiable`: the request sent no User-Agent, so the
 * session could not be checked (the request is anonymous; the session and the cookie are kept).
 */
export type RejectReason =
  | 'malformed'
  | 'bad_signature'
  | 'not_found'
  | 'expired'
  | 'fingerprint_mismatch'
  | 'fingerprint_unverifiable'
  | 'replaced';

/** Client metadata carried by events. */
export interface EventMeta {
  ipAddress: string;
  userAgent: string;
  deviceName: string;
  deviceType: string;
}

/**
 * A lifecycle event for audit logs and metrics. Never carries a token or its hash.
 */
export type SessionEvent =
  | {
      type: 'created';
      sessionId: string;
      /** `null` for a guest session. */
      userId: string | null;
      at: Date;
      meta: EventMeta;
      /** A guest session (no user yet). */
      guest: boolean;
      /** False for a sign-in without "remember me" (a browser-session cookie). */
      remembered: boolean;
      /** The id of the guest session this sign-in replaced (its data carried over), or `null`. */
      upgradedFrom: string | null;
    }
  | {
      type: 'destroyed';
      reason: DestroyReason;
      sessionId: string;
      /** `null` for a guest session. */
      userId: string | null;
      at: Date;
      meta: EventMeta | null;
    }
  | {
      type: 'rotated';
      sessionId: string;
      userId: string | null;
      at: Date;
      meta: EventMeta | null;
      /** True when the rotation came with `reauthenticate()` (the user proved who they are again). */
      reauthenticated: boolean;
    }
  | {
      type: 'touched';
      sessionId: string;
      userId: string | null;
      at: Date;
      expiresAt: Date;
      meta: EventMeta | null;
    }
  | {
      /**
       * The database failed an operation (the request answered 503). `message` has the driver's words (tokens
       * masked): log it here; no response carries it.
       */
      type: 'store_failure';
      operation: string;
      message: string;
      error: SessionError;
      at: Date;
    }
  | {
      type: 'rejected';
      reason: RejectReason;
      sessionId: string | null;
      userId: string | null;
      at: Date;
      meta: EventMeta | null;
    };

/** Calls the hook and swallows whatever it throws or rejects with. @internal */
export function emit(
  hook: ((event: SessionEvent) => void | Promise<void>) | undefined,
  event: SessionEvent,
): void {
  if (!hook) return;
  try {
    const result = hook(event);
    if (result && typeof (result as Promise<void>).catch === 'function')
      (result as Promise<void>).catch(() => {});
  } catch {
    // A throwing hook never breaks a request.
  }
}

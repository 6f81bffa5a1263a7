/** The session settings every demo reads from its environment. */
export interface SessionSettings {
  /** `SESS_TABLE`: the session table. `undefined` keeps sess's default (`sess_sessions`). */
  tableName: string | undefined;
  /** `SESSION_SECRET`: the cookie signing secret (at least 32 bytes). `undefined`: unsigned cookies. */
  secret: string | undefined;
  /**
   * `SESS_FINGERPRINT_HEADERS`, comma-separated. `undefined` keeps the app's default; apps that share one table
   * (say the Hono and the Next.js demo) must use the same list.
   */
  fingerprintHeaders: string[] | undefined;
}

/**
 * Reads `SESS_TABLE`, `SESSION_SECRET` and `SESS_FINGERPRINT_HEADERS`; an empty variable counts as unset.
 *
 * @example
 * ```ts
 * const { tableName, secret, fingerprintHeaders } = readSessionSettings();
 * const store = new SessionStore(db, { tableName, fingerprintHeaders }, { secret });
 * ```
 */
export function readSessionSettings(env: NodeJS.ProcessEnv = process.env): SessionSettings {
  const headers = env.SESS_FINGERPRINT_HEADERS?.split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  return {
    tableName: env.SESS_TABLE || undefined,
    secret: env.SESSION_SECRET || undefined,
    fingerprintHeaders: headers?.length ? headers : undefined,
  };
}

/** Where a demo server listens. */
export interface ListenSettings {
  /** `PORT`. @default 3000 (0 picks a free port) */
  port: number;
  /** `HOST`. @default "127.0.0.1" */
  host: string;
  /**
   * True when `host` is a loopback address. Browsers keep a `Secure` cookie from plain http only there, so only
   * there do the demos turn `Secure` off; anywhere else they keep it and belong behind HTTPS.
   */
  loopback: boolean;
}

/** Reads `PORT` and `HOST`; throws an `Error` that says what is wrong when `PORT` is not a port number. */
export function readListenSettings(env: NodeJS.ProcessEnv = process.env): ListenSettings {
  const port = Number(env.PORT || 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`PORT must be a port number (got ${JSON.stringify(env.PORT)}).`);
  }
  const host = env.HOST || '127.0.0.1';
  return { port, host, loopback: /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host) };
}

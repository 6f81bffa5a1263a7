import { buildSessionMeta, type SessionMeta } from './client-meta.js';
import { cookieAttributes, getCookiesFromHeader, readSessionCookie, sessionCookieValue } from './cookies.js';
import { SessionError } from './errors.js';
import type { RejectReason } from './events.js';
import { checkFingerprint, requestFingerprint } from './fingerprint.js';
import { checkDataValue, type SessionData, type SessionValues } from './session-data.js';
import type { SessionPort } from './session-port.js';
import { eventMetaOf } from './session-row.js';
import type { SessionStore } from './session-store.js';

/** Options of a {@link SessionManager}. */
export interface SessionManagerOptions {
  /**
   * A read-only view (for contexts that cannot set cookies, such as React Server Components): it loads the
   * session, never writes to the database, never sets a cookie, and leaves a due touch to a context that can write.
   * @default false
   */
  readOnly?: boolean | undefined;
}

/** A session in {@link SessionManager.listMySessions}, marked whether it is the one making the request. */
export type SessionListItem<D extends object = SessionValues> = SessionData<D> & { current: boolean };

/** How the request's handler ended, for {@link SessionManager.commit}. */
export interface CommitOptions {
  /** The handler threw or answered 5xx: no data flush and no touch (cookies for sessions already saved still go). */
  failed?: boolean | undefined;
}

/** Most values of the session cookie one request tries (each costs a lookup). */
const MAX_COOKIES_TRIED = 3;

type PendingCookie = { kind: 'set'; value: string; expiresAt: Date } | { kind: 'clear' } | null;

/**
 * The session of one HTTP request. A framework package makes one per request around a {@link SessionPort}, calls
 * {@link load} before the handler and {@link commit} after it; handlers use the rest.
 *
 * - No cookie: no query. A cookie that does not parse or verify: anonymous, no query, cleared on the way out.
 * - A live session: exactly one query (the lookup). Data changes are kept in memory and written once after the
 *   handler, applying only the changed keys; a touch is written only when `touchInterval` has passed.
 * - A database failure on load throws `STORE_FAILURE` (503): the request is not authenticated and the cookie is kept.
 *
 * @typeParam D - the shape of the session's data, so `get('cart')` is typed.
 */
export class SessionManager<D extends object = SessionValues> {
  readonly #store: SessionStore;
  readonly #port: SessionPort;
  readonly #readOnly: boolean;
  #state: 'new' | 'loaded' | 'committed' = 'new';
  #session: SessionData<D> | null = null;
  #version = 0;
  /** Changed and removed data keys, made on the first change: most requests change nothing. */
  #set: Map<string, unknown> | null = null;
  #removed: Set<string> | null = null;
  #presented: string | undefined;
  /** The request presented the token that `rotate()` replaced (grace window): its response leaves the cookie alone. */
  #previousToken = false;
  #dead = false;
  #loadFailed = false;
  #fresh = false;
  #cookie: PendingCookie = null;
  #meta: SessionMeta | undefined;

  constructor(store: SessionStore, port: SessionPort, options: SessionManagerOptions = {}) {
    this.#store = store;
    this.#port = port;
    this.#readOnly = options.readOnly ?? false;
  }

  /** Makes a manager and loads the request's session. Throws `STORE_FAILURE` when the database fails. */
  static async load<D extends object = SessionValues>(
    store: SessionStore,
    port: SessionPort,
    options: SessionManagerOptions = {},
  ): Promise<SessionManager<D>> {
    const manager = new SessionManager<D>(store, port, options);
    await manager.load();
    return manager;
  }

  /** The store behind this manager. */
  get store(): SessionStore {
    return this.#store;
  }

  /** True when this manager is a read-only view. */
  get readOnly(): boolean {
    return this.#readOnly;
  }

  /** True when loading failed because the database failed (the request is anonymous; the cookie is kept). */
  get loadFailed(): boolean {
    return this.#loadFailed;
  }

  /**
   * Reads the session cookie and loads its session. Runs once; later calls do nothing.
   * Throws `STORE_FAILURE` (the database failed) or `INVALID_DATA` (the row's data is not JSON); either way the
   * manager stays anonymous and keeps the cookie.
   */
  async load(): Promise<void> {
    if (this.#state !== 'new') return;
    this.#state = 'loaded';
    const values = this.#cookieValues();
    if (values.length === 0) return;
    this.#presented = values[0];
    // Several cookies of one name (a stale one of a longer Path, or of a parent domain): try each, and clear only
    // when every one was read and names nothing (the clearing cookie may hit the real one).
    let keep = values.length > MAX_COOKIES_TRIED;
    for (const raw of values.slice(0, MAX_COOKIES_TRIED)) {
      const outcome = await this.#open(raw);
      if (outcome === 'opened') {
        this.#presented = raw;
        return;
      }
      if (outcome === 'keep') keep = true;
    }
    this.#dead = !keep;
  }

  /**
   * Loads the session one cookie value names: `opened`, or why not: `dead` (nothing live: clear it) or `keep` (a
   * session lives but may not open here: leave the cookie alone).
   */
  async #open(raw: string): Promise<'opened' | 'dead' | 'keep'> {
    const reading = readSessionCookie(raw, this.#store.cookieConfig);
    if (reading.kind !== 'token') {
      this.#reject(reading.kind, null);
      return 'dead';
    }
    let loaded: Awaited<ReturnType<SessionStore['loadByToken']>>;
    try {
      loaded = await this.#store.loadByToken(reading.token);
    } catch (error) {
      this.#loadFailed = true;
      throw error;
    }
    if (!loaded) {
      this.#reject('not_found', null);
      return 'dead';
    }
    if (loaded === 'expired') {
      this.#reject('expired', null);
      return 'dead';
    }
    if (loaded === 'replaced') {
      // Another tab rotated long ago; the browser most likely holds the new token already: do not clear it.
      this.#reject('replaced', null);
      return 'keep';
    }
    const session = loaded.session as SessionData<D>;
    const config = this.#store.config;
    const check = config.validateFingerprint
      ? checkFingerprint(session, this.#fingerprint(), config.fingerprintHeaders)
      : 'match';
    if (check === 'unverifiable') {
      this.#reject('fingerprint_unverifiable', session);
      return 'keep';
    }
    if (check === 'mismatch') {
      this.#reject('fingerprint_mismatch', session);
      if (!this.#readOnly) {
        try {
          await this.#store.destroy(session.id, 'fingerprint_mismatch');
        } catch (error) {
          this.#loadFailed = true;
          throw error;
        }
      }
      return 'dead';
    }
    this.#session = session;
    this.#version = loaded.version;
    this.#previousToken = loaded.previousToken;
    if (reading.stale && !loaded.previousToken) {
      // Signed with an older secret: sign it with the newest now (no query), so removing the old secret from the
      // list later signs nobody out. A replaced token is left alone: the browser holds the new one.
      this.#cookie = {
        kind: 'set',
        value: sessionCookieValue(reading.token, this.#store.cookieConfig),
        expiresAt: session.expiresAt,
      };
    }
    return 'opened';
  }

  /** The request's values of the session cookie: all of them from the `Cookie` header, else the port's one. */
  #cookieValues(): string[] {
    const name = this.#store.config.cookieName;
    const values = getCookiesFromHeader(this.#port.getHeader('cookie'), name);
    if (values.length > 0) return values;
    const one = this.#port.getCookie(name);
    return one === undefined || one === '' ? [] : [one];
  }

  /**
   * Writes what the request changed, once, after the handler: the changed data keys and a due touch in one
   * write, then the cookie. With `failed`, skips the data flush and the touch. Runs once; later calls do nothing.
   * Throws `STORE_FAILURE` when the write fails (no cookie is sent for a session that was not saved).
   */
  async commit(options: CommitOptions = {}): Promise<void> {
    if (this.#state === 'committed') return;
    this.#state = 'committed';
    if (this.#readOnly) return;
    const port = this.#port;
    port.setHeader?.('Vary', 'Cookie');

    let failure: unknown;
    let refresh: Date | null = null;
    const session = this.#session;
    if (session && !options.failed && !this.#loadFailed) {
      const now = this.#store.now();
      const config = this.#store.config;
      const changed = (this.#set?.size ?? 0) > 0 || (this.#removed?.size ?? 0) > 0;
      // A request on the replaced token never touches: its response cannot refresh the cookie (that would put the
      // replaced token back over the new one), and the cookie must never outlive or underlive the row.
      const touchDue =
        !this.#fresh &&
        !this.#previousToken &&
        now.getTime() - session.lastActiveAt.getTime() >= config.touchIntervalMs;
      if (changed || touchDue) {
        const expiresAt = this.#store.cappedExpiry(new Date(now.getTime() + config.ttlMs), session.createdAt);
        try {
          const saved = changed
            ? await this.#store.applyChanges(
                session.id,
                { data: session.data, version: this.#version },
                { set: Object.fromEntries(this.#set ?? []), remove: [...(this.#removed ?? [])] },
                touchDue ? { expiresAt } : undefined,
              )
            : await this.#store.touch(session.id, expiresAt, session);
          if (!saved) {
            this.#session = null;
            if (!this.#previousToken) this.#cookie = { kind: 'clear' };
          } else if (touchDue) {
            if (changed) this.#store.emitTouched(session, expiresAt);
            refresh = expiresAt;
          }
        } catch (error) {
          failure = error;
        }
      }
    }

    const now = this.#store.now();
    const config = this.#store.cookieConfig;
    const name = this.#store.config.cookieName;
    const pending = this.#cookie;
    let wrote = true;
    if (pending?.kind === 'set') {
      // A touch in this request moved the row's expiry: the new cookie lives exactly as long (rotate + due touch).
      port.setCookie(name, pending.value, cookieAttributes(config, now, refresh ?? pending.expiresAt));
    } else if (pending?.kind === 'clear' || (this.#dead && !this.#loadFailed && !failure)) {
      port.setCookie(name, '', cookieAttributes(config, now, null));
    } else if (refresh && this.#presented !== undefined) {
      port.setCookie(name, this.#presented, cookieAttributes(config, now, refresh));
    } else {
      wrote = false;
    }
    // A response that sets or clears the cookie, or whose content depends on the session, is never stored by a
    // shared or browser cache (a proxy must not serve alice's page to bob; the back button must not show it).
    if (wrote || (this.#store.config.noStore && (this.#presented !== undefined || this.#session !== null))) {
      port.setHeader?.('Cache-Control', 'private, no-store');
    }
    if (failure !== undefined) throw failure;
  }

  /** The loaded session (with data as loaded), or `null` when the request is anonymous. */
  current(): SessionData<D> | null {
    return this.#session;
  }

  /** The signed-in user's id, or `null`. */
  get userId(): string | null {
    return this.#session?.userId ?? null;
  }

  /** True when the request carries a live session. */
  get isAuthenticated(): boolean {
    return this.#session !== null;
  }

  /** The client metadata of this request (IP, user agent, device, fingerprint). */
  meta(): SessionMeta {
    this.#meta ??= buildSessionMeta(
      { header: (n) => this.#port.getHeader(n), remoteAddress: this.#port.remoteAddress() },
      this.#store.config.trustedProxies,
      this.#store.config.fingerprintHeaders,
      this.#store.config.clientIpHeader,
    );
    return this.#meta;
  }

  /**
   * Signs `userId` in: destroys the current session if any (session fixation defence), creates a new one and sets
   * its cookie. Resolves the new session.
   */
  async authenticate(userId: string, data?: D): Promise<SessionData<D>> {
    this.#writable('authenticate');
    this.#loaded('authenticate'); // the session it must replace is unknown: no second session beside it
    if (this.#session) {
      await this.#store.destroy(this.#session.id, 'authenticate');
      this.#session = null;
    }
    const { session, token } = await this.#store.create<D>(this.meta(), userId, data);
    this.#session = session;
    this.#version = 0;
    this.#set = null;
    this.#removed = null;
    this.#fresh = true;
    this.#dead = false;
    this.#previousToken = false;
    this.#cookie = {
      kind: 'set',
      value: sessionCookieValue(token, this.#store.cookieConfig),
      expiresAt: session.expiresAt,
    };
    return session;
  }

  /**
   * Destroys the current session if any, and always clears the cookie. When the session could not be loaded because
   * the database failed, throws `STORE_FAILURE` (503) and keeps the cookie: a sign-out that did not happen is not
   * reported as one.
   */
  async logout(): Promise<void> {
    this.#writable('logout');
    this.#loaded('logout');
    if (this.#session) await this.#store.destroy(this.#session.id, 'logout');
    this.#signedOut();
  }

  /** Destroys every session of the signed-in user and clears the cookie. Anonymous: `UNAUTHENTICATED`. */
  async logoutAll(): Promise<void> {
    const session = this.#required('logoutAll');
    await this.#store.destroyAllForUser(session.userId, 'logout_all');
    this.#signedOut();
  }

  /** Destroys the user's other sessions; this one and its cookie stay. Resolves how many were destroyed. */
  async logoutOther(): Promise<number> {
    const session = this.#required('logoutOther');
    return this.#store.destroyAllExcept(session.userId, session.id, 'logout_other');
  }

  /**
   * Destroys one of the user's sessions by its public id (the current one too, which signs this request out).
   * Another user's or a missing id: `SESSION_NOT_FOUND` (404), and nothing is deleted.
   */
  async revoke(id: string): Promise<void> {
    const session = this.#required('revoke');
    const destroyed = await this.#store.destroyForUser(session.userId, id, 'revoke');
    if (!destroyed)
      throw new SessionError('SESSION_NOT_FOUND', `revoke(): you have no session with id ${id}.`);
    if (id === session.id) this.#signedOut();
  }

  /**
   * Gives the current session a new token and replaces the cookie. The replaced token still opens the session for
   * `rotationGrace` (requests other tabs already sent with it), and responses to those never touch the cookie.
   */
  async rotate(): Promise<void> {
    const session = this.#required('rotate');
    let token: Awaited<ReturnType<SessionStore['rotateToken']>>;
    try {
      token = await this.#store.rotateToken(session.id, {
        grace: `${this.#store.config.rotationGraceMs}ms`,
      });
    } catch (error) {
      if (SessionError.is(error, 'SESSION_NOT_FOUND')) this.#signedOut();
      throw error;
    }
    this.#cookie = {
      kind: 'set',
      value: sessionCookieValue(token, this.#store.cookieConfig),
      expiresAt: session.expiresAt,
    };
    // This request now holds the newest token: its response may refresh the cookie again.
    this.#previousToken = false;
  }

  /** The user's live sessions, most recently active first, each marked whether it is this one. */
  async listMySessions(): Promise<SessionListItem<D>[]> {
    const session = this.#required('listMySessions');
    const all = await this.#store.listForUser<D>(session.userId);
    return all.map((s) => ({ ...s, current: s.id === session.id }));
  }

  /** A value from the session's data, including changes made in this request. */
  get<K extends keyof D & string>(key: K): D[K] | undefined {
    if (this.#removed?.has(key)) return undefined;
    if (this.#set?.has(key)) return this.#set.get(key) as D[K];
    return this.#session?.data[key];
  }

  /** Sets a data value; written once after the handler. Anonymous: `UNAUTHENTICATED`. Not JSON: `INVALID_DATA`. */
  set<K extends keyof D & string>(key: K, value: D[K]): void {
    this.#writable('set');
    this.#required('set');
    checkDataValue(key, value);
    this.#removed?.delete(key);
    this.#set ??= new Map();
    this.#set.set(key, value);
  }

  /** Removes a data key; written once after the handler. Anonymous: `UNAUTHENTICATED`. */
  remove<K extends keyof D & string>(key: K): void {
    this.#writable('remove');
    this.#required('remove');
    this.#set?.delete(key);
    this.#removed ??= new Set();
    this.#removed.add(key);
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** The request's fingerprint alone: every authenticated request needs it, the rest of `meta()` only a sign-in. */
  #fingerprint(): string {
    if (this.#meta) return this.#meta.fingerprint;
    return requestFingerprint(
      { header: (n) => this.#port.getHeader(n) },
      this.#store.config.fingerprintHeaders,
    );
  }

  #signedOut(): void {
    this.#session = null;
    this.#set = null;
    this.#removed = null;
    this.#cookie = { kind: 'clear' };
  }

  #required(op: string): SessionData<D> {
    this.#writable(op);
    this.#loaded(op);
    if (!this.#session)
      throw new SessionError('UNAUTHENTICATED', `${op}(): sign in first; this request has no session.`);
    return this.#session;
  }

  /** Throws `STORE_FAILURE` when the request's session could not be loaded (the database failed). */
  #loaded(op: string): void {
    if (this.#loadFailed) {
      throw new SessionError(
        'STORE_FAILURE',
        `${op}(): the session could not be loaded because the database failed, so nothing was changed; try again.`,
      );
    }
  }

  #writable(op: string): void {
    if (this.#readOnly && op !== 'listMySessions') {
      throw new SessionError(
        'READ_ONLY',
        `${op}(): this is a read-only session view (e.g. a server component); call it from a route handler or server action.`,
      );
    }
    if (this.#state === 'committed') {
      throw new SessionError(
        'NO_SESSION_CONTEXT',
        `${op}(): the response was already committed; change the session inside the handler.`,
      );
    }
  }

  /** Reports a cookie that opened nothing (whether it is cleared is for `load()` to decide). */
  #reject(reason: RejectReason, session: SessionData<D> | null): void {
    this.#store.emitEvent({
      type: 'rejected',
      reason,
      sessionId: session?.id ?? null,
      userId: session?.userId ?? null,
      at: this.#store.now(),
      meta: session ? eventMetaOf(session) : null,
    });
  }
}

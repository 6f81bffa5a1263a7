import { buildSessionMeta, type SessionMeta } from './client-meta.js';
import { cookieAttributes, getCookiesFromHeader, readSessionCookie, sessionCookieValue } from './cookies.js';
import { type Duration, durationToMs } from './duration.js';
import { SessionError } from './errors.js';
import type { RejectReason } from './events.js';
import { checkFingerprint, requestFingerprint } from './fingerprint.js';
import {
  checkDataValue,
  FLASH_KEY,
  type SessionData,
  type SessionValues,
  type UserSessionData,
} from './session-data.js';
import type { SessionPort } from './session-port.js';
import { eventMetaOf } from './session-row.js';
import type { SessionStore } from './session-store.js';
import type { SessionToken } from './session-token.js';

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
export type SessionListItem<D extends object = SessionValues> = UserSessionData<D> & { current: boolean };

/** Options of {@link SessionManager.authenticate}. */
export interface AuthenticateOptions<D extends object = SessionValues> {
  /**
   * `false`: "remember me" unticked. The cookie is a browser-session cookie (no Max-Age/Expires: the browser drops it
   * when it closes) and the row lives `browserSessionTtl` idle instead of `ttl`. @default true
   */
  remember?: boolean | undefined;
  /**
   * Combines a guest session's data with the data given to `authenticate()` when a guest signs in. Without it, the
   * given data wins key by key: `{ ...guestData, ...data }`. Not called when the request had no guest session.
   */
  merge?: ((guestData: Partial<D>, data: Partial<D>) => D) | undefined;
}

/** How the request's handler ended, for {@link SessionManager.commit}. */
export interface CommitOptions {
  /** The handler threw or answered 5xx: no data flush and no touch (cookies for sessions already saved still go). */
  failed?: boolean | undefined;
  /**
   * `false`: write the data changes only, never a touch, for a context whose cookies never reach the browser (work
   * after the response, such as Next's `after()`): a touch there would move the row's expiry past the cookie's.
   * @default true
   */
  touch?: boolean | undefined;
}

/** Most values of the session cookie one request tries (each costs a lookup). */
const MAX_COOKIES_TRIED = 3;

/** The cookie the response must set (`persistent` false: a browser-session cookie) or clear. */
type PendingCookie =
  | { kind: 'set'; value: string; expiresAt: Date; persistent: boolean }
  | { kind: 'clear' }
  | null;

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
  /** The token this request holds now: the one it presented, or the one a rotation in it gave. */
  #token: SessionToken | null = null;
  /** The request presented the token that `rotate()` replaced (grace window): its response leaves the cookie alone. */
  #previousToken = false;
  #dead = false;
  #loadFailed = false;
  /** Why the presented cookie opened no session, for the app (a notice: "you were signed out elsewhere"). */
  #rejection: RejectReason | null = null;
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
    this.#token = reading.token;
    this.#version = loaded.version;
    this.#previousToken = loaded.previousToken;
    if (reading.stale && !loaded.previousToken) {
      // Signed with an older secret: sign it with the newest now (no query), so removing the old secret from the
      // list later signs nobody out. A replaced token is left alone: the browser holds the new one.
      this.#cookie = {
        kind: 'set',
        value: sessionCookieValue(reading.token, this.#store.cookieConfig),
        expiresAt: session.expiresAt,
        persistent: session.remembered,
      };
    }
    this.#rejection = null;
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
      const changed = this.#changed();
      // A request on the replaced token never touches: its response cannot refresh the cookie (that would put the
      // replaced token back over the new one), and the cookie must never outlive or underlive the row.
      const touchDue =
        options.touch !== false &&
        !this.#fresh &&
        !this.#previousToken &&
        now.getTime() - session.lastActiveAt.getTime() >= config.touchIntervalMs;
      if (changed || touchDue) {
        const expiresAt = this.#store.cappedExpiry(
          new Date(now.getTime() + this.#store.ttlMsOf(session)),
          session.createdAt,
        );
        try {
          // The touch is written only while this request's token is still the session's: a touch re-sends the
          // cookie, and a token another tab's rotate() or reauthenticate() replaced must never come back.
          const tokenHash = touchDue ? this.#token?.hash() : undefined;
          const outcome = changed
            ? await this.#store.patch(
                session.id,
                { data: session.data, version: this.#version },
                { set: Object.fromEntries(this.#set ?? []), remove: [...(this.#removed ?? [])] },
                touchDue ? { expiresAt, tokenHash } : undefined,
              )
            : await this.#store.touchToken(session.id, tokenHash as string, expiresAt, session);
          if (outcome === 'gone') {
            this.#session = null;
            // Deleted by a sign-in in another tab (the browser holds its cookie now), or signed out for good.
            const replaced =
              this.#previousToken ||
              (this.#token !== null && (await this.#store.isReplacedToken(this.#token.hash())));
            if (!replaced) this.#cookie = { kind: 'clear' };
          } else if (outcome === 'written' && touchDue) {
            if (changed) this.#store.emitTouched(session, expiresAt);
            refresh = expiresAt;
          }
        } catch (error) {
          failure = error;
        }
      }
    } else if (!session && !options.failed && !this.#loadFailed && this.#changed()) {
      // An anonymous request set data with `guests` on: the guest session is born now, with its data, in one insert.
      const data = this.#withChanges({});
      if (Object.keys(data).length > 0) {
        try {
          const created = await this.#store.createGuest(this.meta(), data);
          this.#session = created.session as SessionData<D>;
          this.#token = created.token;
          this.#cookie = {
            kind: 'set',
            value: sessionCookieValue(created.token, this.#store.cookieConfig),
            expiresAt: created.session.expiresAt,
            persistent: true,
          };
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
      port.setCookie(
        name,
        pending.value,
        cookieAttributes(config, now, refresh ?? pending.expiresAt, pending.persistent),
      );
    } else if (pending?.kind === 'clear' || (this.#dead && !this.#loadFailed && !failure)) {
      port.setCookie(name, '', cookieAttributes(config, now, null));
    } else if (refresh && this.#presented !== undefined) {
      port.setCookie(
        name,
        this.#presented,
        cookieAttributes(config, now, refresh, this.#session?.remembered ?? true),
      );
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

  /**
   * The loaded session (with data as loaded): a user's session, a guest session (`userId` null), or `null` when the
   * request is anonymous.
   */
  current(): SessionData<D> | null {
    return this.#session;
  }

  /** The signed-in user's id, or `null` (anonymous or a guest). */
  get userId(): string | null {
    return this.#session?.userId ?? null;
  }

  /** True when the request carries a live session of a signed-in user (a guest session is not one). */
  get isAuthenticated(): boolean {
    return this.#session !== null && this.#session.userId !== null;
  }

  /** True when the request carries a guest session (data without a user; see the `guests` option). */
  get isGuest(): boolean {
    return this.#session !== null && this.#session.userId === null;
  }

  /** When the signed-in user last proved who they are (sign-in or `reauthenticate()`), or `null`. */
  get authenticatedAt(): Date | null {
    return this.#session?.authenticatedAt ?? null;
  }

  /**
   * Why the session cookie this request presented opened no session, or `null` (no cookie, or it opened one):
   * `not_found` (signed out elsewhere: revoked, "sign out everywhere", evicted by the per-user cap, or deleted),
   * `expired`, `malformed`, `bad_signature`, `fingerprint_mismatch`, `fingerprint_unverifiable`, `replaced`.
   */
  get rejection(): RejectReason | null {
    return this.#rejection;
  }

  /** True when the user is signed in and proved who they are within `maxAge` (see {@link requireFresh}). */
  isFresh(maxAge: Duration): boolean {
    return this.#freshWithin(durationToMs('maxAge', maxAge));
  }

  #freshWithin(ms: number): boolean {
    const at = this.isAuthenticated ? this.authenticatedAt : null;
    return at !== null && this.#store.now().getTime() - at.getTime() < ms;
  }

  /**
   * Guards a sensitive action (changing the password, "sign out everywhere"): passes when the user signed in or
   * called {@link reauthenticate} within `maxAge`. Otherwise throws `REAUTHENTICATION_REQUIRED` (403): ask for the
   * password again, call `reauthenticate()`, retry. Anonymous or a guest: `UNAUTHENTICATED` (401).
   */
  requireFresh(maxAge: Duration): void {
    const ms = durationToMs('maxAge', maxAge);
    this.#loaded('requireFresh');
    if (!this.isAuthenticated)
      throw new SessionError(
        'UNAUTHENTICATED',
        'requireFresh(): sign in first; this request has no session.',
      );
    if (!this.#freshWithin(ms)) {
      throw new SessionError(
        'REAUTHENTICATION_REQUIRED',
        `requireFresh(): this action needs a sign-in from the last ${describeMs(ms)}; ask for the password again, call reauthenticate(), then retry.`,
      );
    }
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
   * Signs `userId` in: a new session with a new token and its cookie; the current session, if any, is deleted in the
   * same transaction (session fixation defence). A guest session's data (with this request's changes) is carried
   * over, merged with `data` (see `options.merge`); a signed-in session's data is not. Resolves the new session.
   */
  async authenticate(
    userId: string,
    data?: D,
    options: AuthenticateOptions<D> = {},
  ): Promise<UserSessionData<D>> {
    this.#writable('authenticate');
    this.#loaded('authenticate'); // the session it must replace is unknown: no second session beside it
    const current = this.#session;
    let initial: D | undefined = data;
    if (current === null ? this.#changed() : current.userId === null) {
      const guestData = this.#withChanges(current?.data ?? {}) as Partial<D>;
      initial = options.merge ? options.merge(guestData, data ?? {}) : ({ ...guestData, ...data } as D);
    }
    const { session, token } = await this.#store.create<D>(this.meta(), userId, initial, {
      remember: options.remember,
      replaces: current?.id,
    });
    this.#session = session;
    this.#token = token;
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
      persistent: session.remembered,
    };
    return session;
  }

  /**
   * Records that the user just proved who they are again (call it after checking their password): the session gets
   * a new token (the old one stops at once) and a fresh sign-in time, which {@link requireFresh} checks. The
   * session, its data and "remember me" stay. Anonymous or a guest: `UNAUTHENTICATED`.
   */
  async reauthenticate(): Promise<void> {
    const session = this.#required('reauthenticate');
    let result: Awaited<ReturnType<SessionStore['reauthenticate']>>;
    try {
      result = await this.#store.reauthenticate(session.id);
    } catch (error) {
      if (SessionError.is(error, 'SESSION_NOT_FOUND')) this.#signedOut();
      throw error;
    }
    this.#session = { ...session, authenticatedAt: result.authenticatedAt };
    this.#token = result.token;
    this.#cookie = {
      kind: 'set',
      value: sessionCookieValue(result.token, this.#store.cookieConfig),
      expiresAt: session.expiresAt,
      persistent: session.remembered,
    };
    this.#previousToken = false;
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
    this.#token = token;
    this.#cookie = {
      kind: 'set',
      value: sessionCookieValue(token, this.#store.cookieConfig),
      expiresAt: session.expiresAt,
      persistent: session.remembered,
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
    return this.#value(key) as D[K] | undefined;
  }

  /**
   * Sets a data value; written once after the handler. Anonymous: a new guest session when `guests` is on, else
   * `UNAUTHENTICATED`. Not JSON, or the reserved key `__flash`: `INVALID_DATA`.
   */
  set<K extends keyof D & string>(key: K, value: D[K]): void {
    this.#dataWritable('set', key);
    checkDataValue(key, value);
    this.#put(key, value);
  }

  /** Removes a data key; written once after the handler. Anonymous without `guests`: `UNAUTHENTICATED`. */
  remove<K extends keyof D & string>(key: K): void {
    this.#dataWritable('remove', key);
    this.#drop(key);
  }

  /**
   * Leaves a message for a later request (the page after a redirect): it waits in the session until a request
   * reads it with {@link takeFlash}. Works on guest sessions (anonymous with `guests` on: one is created) and
   * signed-in ones; written with the data, so a request without flashes costs nothing. Set it after
   * `logout()`/`logoutAll()`, which end the session it would be stored in.
   */
  flash(key: string, value: unknown): void {
    this.#dataWritable('flash', FLASH_KEY);
    checkDataValue(`${FLASH_KEY}.${key}`, value);
    this.#put(FLASH_KEY, { ...this.#flashes(), [key]: value });
  }

  /** Reads a flash message and removes it (written after the handler), or `undefined` when there is none. */
  takeFlash<T = unknown>(key: string): T | undefined {
    const flashes = this.#flashes();
    if (!Object.hasOwn(flashes, key)) return undefined;
    this.#dataWritable('takeFlash', FLASH_KEY);
    const { [key]: value, ...rest } = flashes;
    if (Object.keys(rest).length === 0) this.#drop(FLASH_KEY);
    else this.#put(FLASH_KEY, rest);
    return value as T;
  }

  /** Reads a flash message without removing it (read-only views such as server components can use it). */
  peekFlash<T = unknown>(key: string): T | undefined {
    const flashes = this.#flashes();
    return Object.hasOwn(flashes, key) ? (flashes[key] as T) : undefined;
  }

  // ---------------------------------------------------------------------------------------------------------------

  #flashes(): Record<string, unknown> {
    const box = this.#value(FLASH_KEY);
    return typeof box === 'object' && box !== null && !Array.isArray(box)
      ? (box as Record<string, unknown>)
      : {};
  }

  #value(key: string): unknown {
    if (this.#removed?.has(key)) return undefined;
    if (this.#set?.has(key)) return this.#set.get(key);
    return (this.#session?.data as Record<string, unknown> | undefined)?.[key];
  }

  #put(key: string, value: unknown): void {
    this.#removed?.delete(key);
    this.#set ??= new Map();
    this.#set.set(key, value);
  }

  #drop(key: string): void {
    this.#set?.delete(key);
    this.#removed ??= new Set();
    this.#removed.add(key);
  }

  #changed(): boolean {
    return (this.#set?.size ?? 0) > 0 || (this.#removed?.size ?? 0) > 0;
  }

  /** `data` with this request's changes applied. */
  #withChanges(data: object): Record<string, unknown> {
    const out: Record<string, unknown> = { ...data };
    for (const key of this.#removed ?? []) delete out[key];
    for (const [key, value] of this.#set ?? []) out[key] = value;
    return out;
  }

  /**
   * `set`/`remove`/`flash` may run: the request has a session (a user's or a guest's), or `guests` is on (the guest
   * session is created after the handler). The reserved flash key is only for `flash`/`takeFlash`.
   */
  #dataWritable(op: string, key: string): void {
    this.#writable(op);
    this.#loaded(op);
    if (key === FLASH_KEY && op !== 'flash' && op !== 'takeFlash') {
      throw new SessionError(
        'INVALID_DATA',
        `${op}(): the data key "${FLASH_KEY}" is reserved for flash messages; use flash() and takeFlash().`,
      );
    }
    if (!this.#session && !this.#store.config.guests) {
      throw new SessionError(
        'UNAUTHENTICATED',
        `${op}(): sign in first; this request has no session (or turn on \`guests\` for sessions before sign-in).`,
      );
    }
  }

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
    this.#token = null;
    this.#set = null;
    this.#removed = null;
    this.#cookie = { kind: 'clear' };
  }

  /** The signed-in user's session (never a guest's); else `UNAUTHENTICATED`. */
  #required(op: string): UserSessionData<D> {
    this.#writable(op);
    this.#loaded(op);
    const session = this.#session;
    if (!session || session.userId === null)
      throw new SessionError('UNAUTHENTICATED', `${op}(): sign in first; this request has no session.`);
    return session as UserSessionData<D>;
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
    this.#rejection = reason;
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

/** "10 minutes", "90 seconds": a duration for a message. */
function describeMs(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms === size ? '' : 's'}`;
  }
  return `${ms} ms`;
}

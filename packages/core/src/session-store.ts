import { type CompiledQuery, type Kysely, type QueryResult, sql, type Transaction } from 'kysely';
import { monotonicFactory } from 'ulid';
import { cleanupBatch } from './cleanup-batch.js';
import type { SessionMeta } from './client-meta.js';
import {
  type CookieOptions,
  type ResolvedCookieConfig,
  type ResolvedSessionConfig,
  resolveCookieConfig,
  resolveSessionConfig,
  type SessionOptions,
} from './config.js';
import { utf8Length } from './crypto.js';
import { type DialectKind, dialectKind, withoutAppPlugins } from './dialect.js';
import { type Duration, durationToMs } from './duration.js';
import { SessionError } from './errors.js';
import { type DestroyReason, emit, type SessionEvent } from './events.js';
import {
  parseData,
  type SessionData,
  type SessionValues,
  serializeData,
  type UserSessionData,
} from './session-data.js';
import {
  COLUMNS,
  eventMeta,
  eventMetaOf,
  GUEST_USER_ID,
  isRemembered,
  META_COLUMNS,
  type MetaRow,
  type SessionRow,
  toSessionData,
  userIdOf,
} from './session-row.js';
import { SessionToken } from './session-token.js';
import { isTransient, sleep, storeFailure } from './store-failures.js';
import { checkUserId } from './user-id.js';

/** Data changes of one request: keys to set and keys to remove. */
export interface DataChanges {
  set: Readonly<Record<string, unknown>>;
  remove: readonly string[];
}

/** Options of {@link SessionStore.cleanupExpired}. */
export interface CleanupOptions {
  /** Rows deleted per statement. @default 1000 */
  batchSize?: number | undefined;
  /** Stops between batches when aborted; the count so far is returned. */
  signal?: AbortSignal | undefined;
  /** Called after each batch with the total deleted so far. */
  onBatch?: ((deletedSoFar: number) => void) | undefined;
}

/** Options of {@link SessionStore.rotateToken}. */
export interface RotateOptions {
  /**
   * How long the replaced token still opens the session (for requests already in flight). `0` (the default here)
   * makes it fail at once. `SessionManager.rotate()` passes the store's `rotationGrace`.
   */
  grace?: Duration | undefined;
}

/** Options of {@link SessionStore.create}. */
export interface CreateOptions {
  /**
   * `false`: a sign-in without "remember me": the row lives `browserSessionTtl` (sliding) and its cookie is a
   * browser-session cookie. @default true
   */
  remember?: boolean | undefined;
  /**
   * The id of the session this sign-in replaces (the request's current one), deleted in the same transaction: a
   * guest session (the `created` event names it in `upgradedFrom`) or an earlier sign-in (session fixation defence).
   */
  replaces?: string | undefined;
}

/** A session together with its data version, as the manager needs it. @internal */
export interface LoadedSession {
  session: SessionData;
  version: number;
  /** True when the token was the one `rotateToken` replaced, inside its grace window. */
  previousToken: boolean;
}

/**
 * What a token found: a live session, `'replaced'` (the token a rotation replaced, after its grace window, of a
 * session that is still live: the client most likely holds the new token already), `'expired'` (the row says live,
 * but the limits in force say otherwise: `ttl` or `absoluteTtl` were shortened since it was written), or `null`.
 * @internal
 */
export type TokenLookup = LoadedSession | 'replaced' | 'expired' | null;

const MAX_TX_ATTEMPTS = 30;
const MAX_PATCH_ATTEMPTS = 500;

/**
 * The low-level session store on one SQL table. Request handlers use a `SessionManager`; jobs, admin code and
 * framework packages use the store directly.
 *
 * @example
 * ```ts
 * const store = new SessionStore(db, { ttl: '30d', maxSessionsPerUser: 5 }, { secret: process.env.SESSION_SECRET })
 * await migrateToLatest(db)
 * await store.destroyAllForUser('user-42') // "sign this user out everywhere"
 * ```
 */
export class SessionStore {
  /** The resolved session configuration. */
  readonly config: ResolvedSessionConfig;
  /** The resolved cookie configuration. */
  readonly cookieConfig: ResolvedCookieConfig;
  readonly #db: Kysely<any>;
  readonly #kind: DialectKind;
  readonly #table: string;
  readonly #ulid = monotonicFactory();
  readonly #readByTokenQuery: CompiledQuery<SessionRow>;
  readonly #readByPreviousTokenQuery: CompiledQuery<SessionRow & { prev_token_valid_until: unknown }>;

  constructor(db: Kysely<any>, config: SessionOptions = {}, cookie: CookieOptions = {}) {
    this.config = resolveSessionConfig(config);
    this.cookieConfig = resolveCookieConfig(cookie, this.config.cookieName);
    // sess's SQL expects its own column names and raw results: the app's plugins are for the app's queries.
    this.#db = withoutAppPlugins(db);
    this.#kind = dialectKind(db, this.config.dialect);
    this.#table = this.config.tableName;
    // readByToken runs on every request: compile it once and only swap its two parameters per call.
    this.#readByTokenQuery = this.#db
      .selectFrom(this.#table)
      .select(COLUMNS)
      .where('token_hash', '=', '')
      .where('expires_at', '>', 0)
      .compile() as CompiledQuery<SessionRow>;
    // Only when that finds nothing: the token a rotation replaced (requests other tabs had in flight).
    this.#readByPreviousTokenQuery = this.#db
      .selectFrom(this.#table)
      .select([...COLUMNS, 'prev_token_valid_until'])
      .where('prev_token_hash', '=', '')
      .where('expires_at', '>', 0)
      .compile() as CompiledQuery<SessionRow & { prev_token_valid_until: unknown }>;
  }

  /** The store's clock (`config.now`). Every timestamp sess writes comes from here. */
  now(): Date {
    return this.config.now();
  }

  /** The Kysely instance the store runs on. */
  get db(): Kysely<any> {
    return this.#db;
  }

  /**
   * Inserts a session (`expires_at = now + ttl`), then, in the same transaction, deletes the user's expired sessions
   * and evicts the least recently active ones beyond `maxSessionsPerUser` (ties: the smaller id goes first; never the
   * new one). Concurrent logins of one user are serialised per user; deadlocks and serialisation failures are retried.
   */
  async create<D extends object = SessionValues>(
    meta: SessionMeta,
    userId: string,
    data?: D,
    options: CreateOptions = {},
  ): Promise<{ session: UserSessionData<D>; token: SessionToken }> {
    checkUserId('create', userId);
    const remember = options.remember ?? true;
    if (typeof remember !== 'boolean') {
      throw new SessionError('INVALID_DATA', 'create(): `remember` must be a boolean when given.');
    }
    const replaces = options.replaces;
    const json = this.#serialize('create', data ?? {});
    const now = this.now();
    const token = SessionToken.generate();
    const row = this.#newRow(meta, userId, json, now.getTime(), token, remember);
    const nowMs = now.getTime();
    const max = this.config.maxSessionsPerUser;
    const removed =
      this.#kind === 'sqlite'
        ? await this.#createInStatements(row, replaces, nowMs)
        : await this.#transaction('create', async (trx) => {
            await this.#lockUser(trx, userId);
            let replaced: (MetaRow & { token_hash: string }) | undefined;
            if (replaces !== undefined) {
              replaced = (await trx
                .selectFrom(this.#table)
                .select([...META_COLUMNS, 'token_hash'])
                .where('id', '=', replaces)
                .executeTakeFirst()) as (MetaRow & { token_hash: string }) | undefined;
              if (replaced) await trx.deleteFrom(this.#table).where('id', '=', replaces).execute();
            }
            // The replaced token is remembered as already expired (no grace: it never opens the new session), so a
            // request another tab sent with it before this sign-in answered is `replaced`, and its response leaves the
            // new cookie alone instead of clearing it.
            await trx
              .insertInto(this.#table)
              .values(
                replaced
                  ? { ...row, prev_token_hash: replaced.token_hash, prev_token_valid_until: nowMs }
                  : row,
              )
              .execute();
            const others = (await this.#forUpdate(
              trx
                .selectFrom(this.#table)
                .select([...META_COLUMNS, 'last_active_at', 'expires_at'])
                .where('user_id', '=', userId)
                .where('id', '!=', row.id)
                .orderBy('last_active_at', 'desc')
                .orderBy('id', 'desc'),
            ).execute()) as (MetaRow & Pick<SessionRow, 'last_active_at' | 'expires_at'>)[];
            const expired = others.filter((r) => Number(r.expires_at) <= nowMs);
            const evicted = others.filter((r) => Number(r.expires_at) > nowMs).slice(max - 1);
            const doomed = [...expired, ...evicted];
            if (doomed.length > 0) {
              await trx
                .deleteFrom(this.#table)
                .where(
                  'id',
                  'in',
                  doomed.map((r) => r.id),
                )
                .execute();
            }
            return { expired, evicted, replaced };
          });
    const session = toSessionData(row) as UserSessionData<D>;
    const replaced = removed.replaced;
    if (replaced) this.#emitDestroyed(replaced, 'authenticate', now);
    this.#emit({
      type: 'created',
      sessionId: row.id,
      userId,
      at: now,
      meta: eventMeta(row),
      guest: false,
      remembered: remember,
      upgradedFrom: replaced && replaced.user_id === GUEST_USER_ID ? replaced.id : null,
    });
    for (const r of removed.expired) this.#emitDestroyed(r, 'expiry_cleanup', now);
    for (const r of removed.evicted) this.#emitDestroyed(r, 'eviction', now);
    return { session, token };
  }

  /**
   * `create` on SQLite (better-sqlite3, Cloudflare D1, libSQL, bun:sqlite, ...) without an interactive transaction,
   * which D1 does not have and which would hold SQLite's write lock across an `await`: the insert, the removal of the
   * replaced session, and one `DELETE` of the user's expired sessions and those beyond the cap, each one statement
   * (SQLite runs one writer at a time, so once every sign-in has returned, the cap holds). With the `batch` option
   * (D1's `batch()`), the three run atomically in one round trip, so no reader ever sees more than the cap.
   */
  async #createInStatements(
    row: SessionRow,
    replaces: string | undefined,
    nowMs: number,
  ): Promise<{ expired: MetaRow[]; evicted: MetaRow[]; replaced: MetaRow | undefined }> {
    const db = this.#db;
    const table = this.#table;
    const queries: CompiledQuery[] = [
      db
        .insertInto(table)
        .values(
          replaces === undefined
            ? row
            : {
                ...row,
                // See the transaction above: the replaced token reads as `replaced`, never as this session.
                prev_token_hash: db.selectFrom(table).select('token_hash').where('id', '=', replaces),
                prev_token_valid_until: nowMs,
              },
        )
        .compile(),
    ];
    if (replaces !== undefined) {
      queries.push(db.deleteFrom(table).where('id', '=', replaces).returning(META_COLUMNS).compile());
    }
    const kept = db
      .selectFrom(table)
      .select('id')
      .where('user_id', '=', row.user_id)
      .where('id', '!=', row.id)
      .where('expires_at', '>', nowMs)
      .orderBy('last_active_at', 'desc')
      .orderBy('id', 'desc')
      .limit(this.config.maxSessionsPerUser - 1);
    queries.push(
      db
        .deleteFrom(table)
        .where('user_id', '=', row.user_id)
        .where('id', '!=', row.id)
        .where((eb) => eb.or([eb('expires_at', '<=', nowMs), eb('id', 'not in', kept)]))
        .returning([...META_COLUMNS, 'expires_at'])
        .compile(),
    );
    const batch = this.config.batch;
    const results = batch
      ? await this.#run('create', () => batch(queries))
      : // One statement at a time, each retried alone: a retried insert would collide with itself.
        await queries.reduce<Promise<QueryResult<unknown>[]>>(
          async (done, query) => [...(await done), await this.#run('create', () => db.executeQuery(query))],
          Promise.resolve([]),
        );
    const replaced = replaces === undefined ? undefined : (results[1]?.rows[0] as MetaRow | undefined);
    const trimmed = (results.at(-1)?.rows ?? []) as (MetaRow & { expires_at: unknown })[];
    return {
      replaced,
      expired: trimmed.filter((r) => Number(r.expires_at) <= nowMs),
      evicted: trimmed.filter((r) => Number(r.expires_at) > nowMs),
    };
  }

  /**
   * Inserts a guest session: no user, `expires_at = now + guestTtl`, one statement (no per-user cap applies). The
   * manager calls it when an anonymous request sets data and `guests` is on; `authenticate()` later turns it into
   * the user's session.
   */
  async createGuest<D extends object = SessionValues>(
    meta: SessionMeta,
    data: D,
  ): Promise<{ session: SessionData<D>; token: SessionToken }> {
    const json = this.#serialize('createGuest', data);
    const now = this.now();
    const token = SessionToken.generate();
    const row = this.#newRow(meta, GUEST_USER_ID, json, now.getTime(), token, true);
    await this.#run('createGuest', () => this.#db.insertInto(this.#table).values(row).execute());
    this.#emit({
      type: 'created',
      sessionId: row.id,
      userId: null,
      at: now,
      meta: eventMeta(row),
      guest: true,
      remembered: true,
      upgradedFrom: null,
    });
    return { session: toSessionData(row) as SessionData<D>, token };
  }

  #newRow(
    meta: SessionMeta,
    userId: string,
    json: string,
    nowMs: number,
    token: SessionToken,
    remember: boolean,
  ): SessionRow {
    const guest = userId === GUEST_USER_ID;
    const ttlMs = this.#ttlMs(guest, remember);
    return {
      id: this.#ulid(nowMs),
      token_hash: token.hash(),
      user_id: userId,
      ip_address: meta.ipAddress.slice(0, 64),
      user_agent: meta.userAgent,
      device_name: meta.deviceName.slice(0, 255),
      device_type: meta.deviceType.slice(0, 16),
      fingerprint: meta.fingerprint,
      data: json,
      version: 0,
      created_at: nowMs,
      last_active_at: nowMs,
      expires_at: this.#capExpiry(nowMs + ttlMs, nowMs),
      remembered: remember ? 1 : 0,
      authenticated_at: guest ? null : nowMs,
    };
  }

  /** The session with this public id, expired or not; `null` when there is none. */
  async read<D extends object = SessionValues>(id: string): Promise<SessionData<D> | null> {
    const row = await this.#run('read', () =>
      this.#db.selectFrom(this.#table).select(COLUMNS).where('id', '=', id).executeTakeFirst(),
    );
    return row ? (toSessionData(row as SessionRow) as SessionData<D>) : null;
  }

  /** The live (non-expired) session that this token opens; `null` otherwise. */
  async readByToken<D extends object = SessionValues>(token: SessionToken): Promise<SessionData<D> | null> {
    const loaded = await this.loadByToken(token);
    return loaded && typeof loaded === 'object' ? (loaded.session as SessionData<D>) : null;
  }

  /**
   * Like {@link readByToken}, with the data version that {@link applyChanges} checks, and whether the token is
   * the one a rotation replaced. One query for a current token; a second one only when that finds nothing.
   * @internal used by `SessionManager`
   */
  async loadByToken(token: SessionToken): Promise<TokenLookup> {
    // The per-request path: no closure and no extra async frame around the one query.
    const hash = token.hash();
    const nowMs = this.now().getTime();
    let result: QueryResult<SessionRow>;
    try {
      result = await this.#deadline(
        'readByToken',
        this.#db.executeQuery<SessionRow>({ ...this.#readByTokenQuery, parameters: [hash, nowMs] }),
      );
    } catch (error) {
      throw this.#failure('readByToken', error);
    }
    const row = result.rows[0];
    if (row) {
      if (this.#outlived(row, nowMs)) return 'expired';
      return { session: toSessionData(row), version: Number(row.version), previousToken: false };
    }
    return this.#loadByPreviousToken(hash, nowMs);
  }

  async #loadByPreviousToken(hash: string, nowMs: number): Promise<TokenLookup> {
    let result: QueryResult<SessionRow & { prev_token_valid_until: unknown }>;
    try {
      result = await this.#deadline(
        'readByToken',
        this.#db.executeQuery({ ...this.#readByPreviousTokenQuery, parameters: [hash, nowMs] }),
      );
    } catch (error) {
      throw this.#failure('readByToken', error);
    }
    const row = result.rows[0];
    if (!row) return null;
    if (this.#outlived(row, nowMs)) return 'expired';
    if (!(Number(row.prev_token_valid_until) > nowMs)) return 'replaced';
    return { session: toSessionData(row), version: Number(row.version), previousToken: true };
  }

  /** Deletes a session; no error when it is absent. */
  async destroy(id: string, reason: DestroyReason = 'admin'): Promise<void> {
    await this.#destroyWhere('destroy', reason, (q) => q.where('id', '=', id));
  }

  /**
   * Deletes the session `id` only if it belongs to `userId`. Resolves `true` when a row was deleted.
   * The building block of "revoke one of my devices".
   */
  async destroyForUser(userId: string, id: string, reason: DestroyReason = 'revoke'): Promise<boolean> {
    checkUserId('destroyForUser', userId);
    const n = await this.#destroyWhere('destroyForUser', reason, (q) =>
      q.where('id', '=', id).where('user_id', '=', userId),
    );
    return n > 0;
  }

  /** Deletes every session of the user; resolves the number deleted. */
  async destroyAllForUser(userId: string, reason: DestroyReason = 'logout_all'): Promise<number> {
    checkUserId('destroyAllForUser', userId);
    return this.#destroyWhere('destroyAllForUser', reason, (q) => q.where('user_id', '=', userId));
  }

  /** Deletes the user's sessions except `keepId`; resolves the number deleted. */
  async destroyAllExcept(
    userId: string,
    keepId: string,
    reason: DestroyReason = 'logout_other',
  ): Promise<number> {
    checkUserId('destroyAllExcept', userId);
    return this.#destroyWhere('destroyAllExcept', reason, (q) =>
      q.where('user_id', '=', userId).where('id', '!=', keepId),
    );
  }

  /**
   * Gives the session a new token. The old one stops working at once, unless `grace` is given: then it still opens
   * the session until `now + grace` (a token replaced earlier stops at once either way). The expiry is not
   * extended. Throws `SESSION_NOT_FOUND` when there is no such session.
   */
  async rotateToken(id: string, options: RotateOptions = {}): Promise<SessionToken> {
    const graceMs = durationToMs('grace', options.grace ?? 0);
    const token = SessionToken.generate();
    // `prev_token_hash` first: MySQL evaluates single-table SET assignments left to right, with the values already
    // assigned, so it must read `token_hash` before that is replaced (PostgreSQL and SQLite read the old row anyway).
    const set =
      graceMs > 0
        ? {
            prev_token_hash: sql.ref('token_hash'),
            prev_token_valid_until: this.now().getTime() + graceMs,
            token_hash: token.hash(),
          }
        : { prev_token_hash: null, prev_token_valid_until: null, token_hash: token.hash() };
    const result = await this.#run('rotateToken', () =>
      this.#db.updateTable(this.#table).set(set).where('id', '=', id).executeTakeFirst(),
    );
    if (Number(result.numUpdatedRows) === 0) {
      throw new SessionError('SESSION_NOT_FOUND', `rotateToken(): no session with id ${id}.`);
    }
    await this.#emitRotated('rotateToken', id, this.now(), false);
    return token;
  }

  /** Reports a rotation (reading the row for its metadata only when a hook listens). */
  async #emitRotated(op: string, id: string, at: Date, reauthenticated: boolean): Promise<void> {
    if (!this.config.onEvent) return;
    const row = await this.#metaRow(op, id);
    if (row) {
      this.#emit({
        type: 'rotated',
        sessionId: id,
        userId: userIdOf(row),
        at,
        meta: eventMeta(row),
        reauthenticated,
      });
    }
  }

  /**
   * Records that the user just proved who they are again (a password check before a sensitive action): a new token
   * (the old one stops at once: no grace, as for a sign-in; it reads as `replaced`) and `authenticated_at = now`.
   * Throws `SESSION_NOT_FOUND` when there is no such session or it is a guest session.
   */
  async reauthenticate(id: string): Promise<{ token: SessionToken; authenticatedAt: Date }> {
    const token = SessionToken.generate();
    const now = this.now();
    const result = await this.#run('reauthenticate', () =>
      this.#db
        .updateTable(this.#table)
        .set({
          // No grace (the session just gained privileges), but the replaced token stays known as replaced, so
          // another tab's request in flight with it leaves the new cookie alone. `prev_token_hash` first: MySQL
          // assigns left to right.
          prev_token_hash: sql.ref('token_hash'),
          prev_token_valid_until: now.getTime(),
          token_hash: token.hash(),
          authenticated_at: now.getTime(),
        })
        .where('id', '=', id)
        .where('user_id', '!=', GUEST_USER_ID)
        .executeTakeFirst(),
    );
    if (Number(result.numUpdatedRows) === 0) {
      throw new SessionError('SESSION_NOT_FOUND', `reauthenticate(): no signed-in session with id ${id}.`);
    }
    await this.#emitRotated('reauthenticate', id, now, true);
    return { token, authenticatedAt: now };
  }

  /**
   * Sets `last_active_at = now` and `expires_at = newExpiresAt`, capped by the absolute deadline when
   * `absoluteTtl` is set. Resolves `false` when there was no row (a deleted session is never recreated).
   * `known` (the session as the caller loaded it) spares the extra read that a `touched` event needs otherwise.
   */
  /**
   * The request path's touch: like {@link touch}, but only while `tokenHash` is still the session's token, so a
   * request that left before another tab's `rotate()` or `reauthenticate()` never re-sends the token they replaced.
   * `replaced`: the session lives under another token (nothing written); `gone`: no such session. @internal
   */
  async touchToken(
    id: string,
    tokenHash: string,
    newExpiresAt: Date,
    known: SessionData<object>,
  ): Promise<'written' | 'replaced' | 'gone'> {
    if (await this.#touchRow(id, newExpiresAt, tokenHash)) {
      if (this.config.onEvent) this.emitTouched(known, this.cappedExpiry(newExpiresAt, known.createdAt));
      return 'written';
    }
    return (await this.#exists('touch', id)) ? 'replaced' : 'gone';
  }

  /**
   * True when a sign-in or a rotation replaced the token with this hash by the token of a live row: a request that
   * still carries it must leave the browser's (newer) cookie alone. @internal
   */
  async isReplacedToken(tokenHash: string): Promise<boolean> {
    const row = await this.#run('readByToken', () =>
      this.#db
        .selectFrom(this.#table)
        .select('id')
        .where('prev_token_hash', '=', tokenHash)
        .limit(1)
        .executeTakeFirst(),
    );
    return row !== undefined;
  }

  /** `last_active_at = now`, the capped expiry; only while the token is `tokenHash` when given. True when written. */
  async #touchRow(
    id: string,
    newExpiresAt: Date,
    tokenHash: string | undefined,
    nowMs = this.now().getTime(),
  ): Promise<boolean> {
    const result = await this.#run('touch', () =>
      this.#db
        .updateTable(this.#table)
        .set({ last_active_at: nowMs, expires_at: this.#cappedExpirySql(newExpiresAt.getTime()) })
        .where('id', '=', id)
        .$if(tokenHash !== undefined, (q) => q.where('token_hash', '=', tokenHash as string))
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) > 0;
  }

  async #exists(op: string, id: string): Promise<boolean> {
    const row = await this.#run(op, () =>
      this.#db.selectFrom(this.#table).select('id').where('id', '=', id).executeTakeFirst(),
    );
    return row !== undefined;
  }

  async touch(id: string, newExpiresAt: Date, known?: SessionData<object>): Promise<boolean> {
    const nowMs = this.now().getTime();
    const updated = await this.#touchRow(id, newExpiresAt, undefined, nowMs);
    if (updated && this.config.onEvent) {
      if (known) {
        this.emitTouched(known, this.cappedExpiry(newExpiresAt, known.createdAt));
      } else {
        const row = await this.#metaRow('touch', id);
        if (row) this.#emitTouched(row, nowMs);
      }
    }
    return updated;
  }

  /** Replaces the session's JSON data. Resolves `false` when there was no row. Throws `INVALID_DATA`. */
  async updateData(id: string, data: SessionValues): Promise<boolean> {
    const json = this.#serialize('updateData', data);
    const result = await this.#run('updateData', () =>
      this.#db
        .updateTable(this.#table)
        .set({ data: json, version: sql`version + 1` })
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Applies changed keys to the session's data without losing concurrent changes to other keys, optionally
   * touching it in the same write. Optimistic: the write succeeds when the row still has `base.version`; otherwise
   * the row is re-read, the changes re-applied, and the write retried. With no contention it is exactly one
   * `UPDATE`. Resolves `false` when the session no longer exists (it is never recreated).
   */
  async applyChanges(
    id: string,
    base: { data: object; version: number },
    changes: DataChanges,
    touch?: { expiresAt: Date } | undefined,
  ): Promise<boolean> {
    return (await this.patch(id, base, changes, touch)) !== 'gone';
  }

  /**
   * {@link applyChanges} for the request path: with `touch.tokenHash`, the touch is written only while that is the
   * session's token (see {@link touchToken}); the data is written either way. `untouched`: the data was written
   * without the touch; `gone`: no such session. @internal
   */
  async patch(
    id: string,
    base: { data: object; version: number },
    changes: DataChanges,
    touch?: { expiresAt: Date; tokenHash?: string | undefined } | undefined,
  ): Promise<'written' | 'untouched' | 'gone'> {
    let current = base;
    let touching = touch;
    for (let attempt = 1; attempt <= MAX_PATCH_ATTEMPTS; attempt++) {
      const next: SessionValues = { ...(current.data as SessionValues), ...changes.set };
      for (const key of changes.remove) delete next[key];
      const json = this.#serialize('applyChanges', next);
      const nowMs = this.now().getTime();
      const set: Record<string, unknown> = { data: json, version: current.version + 1 };
      if (touching) {
        set.last_active_at = nowMs;
        set.expires_at = this.#cappedExpirySql(touching.expiresAt.getTime());
      }
      const version = current.version;
      const tokenHash = touching?.tokenHash;
      const result = await this.#run('applyChanges', () =>
        this.#db
          .updateTable(this.#table)
          .set(set)
          .where('id', '=', id)
          .where('version', '=', version)
          .$if(tokenHash !== undefined, (q) => q.where('token_hash', '=', tokenHash as string))
          .executeTakeFirst(),
      );
      if (Number(result.numUpdatedRows) > 0) return touching || !touch ? 'written' : 'untouched';
      const fresh = await this.#run('applyChanges', () =>
        this.#db
          .selectFrom(this.#table)
          .select(['data', 'version', 'token_hash'])
          .where('id', '=', id)
          .executeTakeFirst(),
      );
      if (!fresh) return 'gone';
      // Another tab replaced the token: keep the data change, drop the touch (its cookie would carry the old token).
      if (tokenHash !== undefined && fresh.token_hash !== tokenHash) touching = undefined;
      current = { data: parseData(fresh.data, id), version: Number(fresh.version) };
      if (attempt > 3) await sleep(Math.random() * Math.min(attempt, 20));
    }
    throw new SessionError(
      'STORE_FAILURE',
      `applyChanges(): session ${id} changed concurrently ${MAX_PATCH_ATTEMPTS} times in a row; the change was not saved.`,
    );
  }

  /** The user's live sessions, most recently active first. */
  async listForUser<D extends object = SessionValues>(userId: string): Promise<UserSessionData<D>[]> {
    checkUserId('listForUser', userId);
    const nowMs = this.now().getTime();
    const rows = await this.#run('listForUser', () =>
      this.#db
        .selectFrom(this.#table)
        .select(COLUMNS)
        .where('user_id', '=', userId)
        .where('expires_at', '>', nowMs)
        .orderBy('last_active_at', 'desc')
        .orderBy('id', 'desc')
        .execute(),
    );
    return (rows as SessionRow[])
      .filter((r) => !this.#outlived(r, nowMs))
      .map((r) => toSessionData(r) as UserSessionData<D>);
  }

  /**
   * Deletes expired sessions in bounded batches through the `expires_at` index and resolves the count.
   * Safe to run from many instances at once, without deadlocks and without deleting a row twice or missing one:
   * - PostgreSQL: each batch locks its rows with `FOR UPDATE SKIP LOCKED`, so cleaners never wait on each other;
   * - MySQL/MariaDB: each batch is one `DELETE ... ORDER BY expires_at LIMIT n`, so concurrent cleaners take their
   *   locks in the same index order and queue instead of deadlocking (InnoDB deadlocks on `SKIP LOCKED` followed
   *   by a delete); with an `onEvent` hook, a locking read in the same order names the rows first;
   * - SQLite: each batch is one autocommit `DELETE ... WHERE id IN (SELECT ... LIMIT n)` statement, which takes and
   *   releases the write lock at once (a read-then-write transaction fails with `SQLITE_BUSY` when another
   *   connection writes in between).
   */
  async cleanupExpired(options: CleanupOptions = {}): Promise<number> {
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new SessionError(
        'INVALID_CONFIG',
        `cleanupExpired(): batchSize must be an integer of at least 1 (got ${batchSize}).`,
      );
    }
    const hooked = this.config.onEvent !== undefined;
    const kind = this.#kind;
    const batch = cleanupBatch(kind, this.#table, batchSize, hooked);
    let total = 0;
    for (;;) {
      if (options.signal?.aborted) break;
      const now = this.now();
      const nowMs = now.getTime();
      // SQLite: one autocommit statement. Wrapped in BEGIN/COMMIT, it would hold the write lock across an await, and
      // a second connection in this process would block the event loop in its busy handler until it gave up.
      const { rows, deleted, taken } =
        kind === 'sqlite'
          ? await this.#run('cleanupExpired', () => batch(this.#db, nowMs))
          : await this.#transaction('cleanupExpired', (trx) => batch(trx, nowMs));
      total += deleted;
      if (hooked) for (const r of rows) this.#emitDestroyed(r, 'expiry_cleanup', now);
      options.onBatch?.(total);
      if (taken < batchSize) break;
    }
    return total;
  }

  // ---------------------------------------------------------------------------------------------------------------

  async #destroyWhere(
    op: string,
    reason: DestroyReason,
    where: <Q extends { where: (...args: any[]) => any }>(q: Q) => Q,
  ): Promise<number> {
    const now = this.now();
    if (!this.config.onEvent) {
      const result = await this.#run(op, () =>
        where(this.#db.deleteFrom(this.#table) as any).executeTakeFirst(),
      );
      return Number((result as { numDeletedRows: bigint }).numDeletedRows);
    }
    if (this.#kind === 'postgres' || this.#kind === 'sqlite') {
      const rows = (await this.#run(op, () =>
        where(this.#db.deleteFrom(this.#table) as any)
          .returning(META_COLUMNS)
          .execute(),
      )) as MetaRow[];
      for (const r of rows) this.#emitDestroyed(r, reason, now);
      return rows.length;
    }
    const rows = (await this.#run(op, () =>
      where(this.#db.selectFrom(this.#table).select(META_COLUMNS) as any).execute(),
    )) as MetaRow[];
    if (rows.length === 0) return 0;
    const result = await this.#run(op, () =>
      this.#db
        .deleteFrom(this.#table)
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .executeTakeFirst(),
    );
    for (const r of rows) this.#emitDestroyed(r, reason, now);
    return Number(result.numDeletedRows);
  }

  /** Serialises concurrent `create` calls of one user inside the transaction. */
  async #lockUser(trx: Transaction<any>, userId: string): Promise<void> {
    if (this.#kind === 'postgres') {
      await sql`select pg_advisory_xact_lock(hashtextextended(${`${this.#table}:${userId}`}, 0))`.execute(
        trx,
      );
    } else if (this.#kind === 'mysql') {
      // A locking read over the (user_id, last_active_at) index takes next-key locks, including the gap where
      // this user's new rows go, so a concurrent create for the same user waits (or deadlocks and is retried).
      await trx.selectFrom(this.#table).select('id').where('user_id', '=', userId).forUpdate().execute();
    }
    // SQLite: a write transaction is exclusive already.
  }

  #forUpdate<Q extends { forUpdate(): Q; skipLocked(): Q }>(query: Q, skipLocked = false): Q {
    if (this.#kind !== 'postgres' && this.#kind !== 'mysql') return query;
    const locked = query.forUpdate();
    return skipLocked ? locked.skipLocked() : locked;
  }

  async #transaction<T>(op: string, fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
    return this.#run(op, () => this.#db.transaction().execute(fn));
  }

  /**
   * Runs one store operation: deadlocks, serialisation failures and busy databases are retried (every write path,
   * not only transactions: MariaDB picks a plain `DELETE` as the deadlock victim too), all attempts together get
   * `operationTimeout`, and driver errors become `STORE_FAILURE`.
   */
  async #run<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const state = { timedOut: false };
    const attempts = async (): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn();
        } catch (error) {
          if (error instanceof SessionError) throw error;
          if (attempt < MAX_TX_ATTEMPTS && !state.timedOut && isTransient(error)) {
            await sleep(Math.random() * 5 * Math.min(attempt, 10));
            continue;
          }
          throw this.#failure(op, error);
        }
      }
    };
    return this.#deadline(op, attempts(), state);
  }

  /**
   * `work`, or `STORE_FAILURE` once `operationTimeout` has passed: a stalled database (a dead proxy, a full pool, a
   * lock held elsewhere) answers 503 instead of hanging the request. The stalled work is abandoned, not cancelled;
   * the driver's own timeouts free its connection (see the README). SQLite runs synchronously in this process, so
   * no timer could fire while it waits: its `busy_timeout` is its deadline.
   */
  #deadline<T>(op: string, work: Promise<T>, state?: { timedOut: boolean }): Promise<T> {
    const ms = this.config.operationTimeoutMs;
    if (this.#kind === 'sqlite') return work;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (state) state.timedOut = true;
        const error = new SessionError(
          'STORE_FAILURE',
          `SessionStore.${op} failed: the database did not answer within ${ms} ms (operationTimeout). Check that it is reachable and not overloaded.`,
          { cause: Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' }) },
        );
        this.#emitFailure(op, error);
        reject(error);
      }, ms);
    });
    work.catch(() => {}); // abandoned after a timeout: its late failure is not an unhandled rejection
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  /** The row an event of `op` describes, under the same deadline as `op` itself. */
  async #metaRow(op: string, id: string): Promise<(MetaRow & { expires_at: unknown }) | undefined> {
    try {
      return (await this.#deadline(
        op,
        this.#db
          .selectFrom(this.#table)
          .select([...META_COLUMNS, 'expires_at'])
          .where('id', '=', id)
          .executeTakeFirst(),
      )) as (MetaRow & { expires_at: unknown }) | undefined;
    } catch {
      return undefined; // an event is best effort; the operation itself succeeded
    }
  }

  /** The data as JSON text; `INVALID_DATA` when it is not JSON or larger than `maxDataBytes`. */
  #serialize(op: string, data: unknown): string {
    const json = serializeData(data);
    // UTF-8 is at most 3 bytes per UTF-16 unit: most data is far under the cap and needs no byte count.
    const max = this.config.maxDataBytes;
    if (json.length * 3 > max && utf8Length(json) > max) {
      throw new SessionError(
        'INVALID_DATA',
        `${op}(): session data is ${utf8Length(json)} bytes as JSON, over maxDataBytes (${max}); keep large data in your own tables and its id in the session. Nothing was written.`,
      );
    }
    return json;
  }

  /**
   * True when a row that its `expires_at` calls live has outlived the limits in force: idle longer than `ttl`, or
   * older than `absoluteTtl` (both may have been shortened since the row was written).
   */
  #outlived(
    row: Pick<SessionRow, 'created_at' | 'last_active_at' | 'user_id' | 'remembered'>,
    nowMs: number,
  ): boolean {
    const ttlMs = this.#ttlMs(row.user_id === GUEST_USER_ID, isRemembered(row.remembered));
    if (Number(row.last_active_at) + ttlMs <= nowMs) return true;
    const abs = this.config.absoluteTtlMs;
    return abs !== null && Number(row.created_at) + abs <= nowMs;
  }

  /** The idle lifetime of a session of this kind: `guestTtl`, `ttl`, or `browserSessionTtl` without "remember me". */
  #ttlMs(guest: boolean, remembered: boolean): number {
    if (guest) return this.config.guestTtlMs;
    return remembered ? this.config.ttlMs : this.config.browserSessionTtlMs;
  }

  /** The idle lifetime of this session (what a touch extends it by). @internal */
  ttlMsOf(session: Pick<SessionData<object>, 'userId' | 'remembered'>): number {
    return this.#ttlMs(session.userId === null, session.remembered);
  }

  /** `expiresAt`, capped by the absolute deadline (`createdAt + absoluteTtl`) when `absoluteTtl` is set. @internal */
  cappedExpiry(expiresAt: Date, createdAt: Date): Date {
    return new Date(this.#capExpiry(expiresAt.getTime(), createdAt.getTime()));
  }

  #capExpiry(expiresMs: number, createdMs: number): number {
    const abs = this.config.absoluteTtlMs;
    return abs === null ? expiresMs : Math.min(expiresMs, createdMs + abs);
  }

  #cappedExpirySql(expiresMs: number) {
    const abs = this.config.absoluteTtlMs;
    if (abs === null) return expiresMs;
    return sql<number>`case when created_at + ${abs} < ${expiresMs} then created_at + ${abs} else ${expiresMs} end`;
  }

  /** `error` as a `STORE_FAILURE` naming `op`, reported to the `onEvent` hook (a `SessionError` passes as it is). */
  #failure(op: string, error: unknown): SessionError {
    if (error instanceof SessionError) return error;
    const failure = storeFailure(op, error);
    this.#emitFailure(op, failure);
    return failure;
  }

  #emitFailure(op: string, error: SessionError): void {
    this.#emit({ type: 'store_failure', operation: op, message: error.message, error, at: this.now() });
  }

  #emit(event: SessionEvent): void {
    emit(this.config.onEvent, event);
  }

  #emitDestroyed(row: MetaRow, reason: DestroyReason, at: Date): void {
    this.#emit({
      type: 'destroyed',
      reason,
      sessionId: row.id,
      userId: userIdOf(row),
      at,
      meta: eventMeta(row),
    });
  }

  #emitTouched(row: MetaRow & { expires_at?: unknown }, nowMs: number): void {
    this.#emit({
      type: 'touched',
      sessionId: row.id,
      userId: userIdOf(row),
      at: new Date(nowMs),
      expiresAt: new Date(Number(row.expires_at)),
      meta: eventMeta(row),
    });
  }

  /** Emits a `touched` event for a session the caller already holds. @internal */
  emitTouched(session: SessionData<object>, expiresAt: Date): void {
    this.#emit({
      type: 'touched',
      sessionId: session.id,
      userId: session.userId,
      at: this.now(),
      expiresAt,
      meta: eventMetaOf(session),
    });
  }

  /** Emits an event from the manager through the configured hook. @internal */
  emitEvent(event: SessionEvent): void {
    this.#emit(event);
  }
}

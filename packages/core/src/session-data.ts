import { SessionError } from './errors.js';

/**
 * The JSON object a session carries. Declare your own shape (a `type` or an `interface`) and pass it as the generic
 * of the manager; at run time the data must be a plain JSON object.
 */
export type SessionValues = Record<string, unknown>;

/**
 * A session as the store returns it: a plain object that never carries the token or its hash.
 * Dates are `Date` objects.
 */
export interface SessionData<D extends object = SessionValues> {
  /** Public id (a ULID). Safe to show and to revoke by; never a credential. */
  id: string;
  /** The signed-in user, or `null` for a guest session (see `guests`). */
  userId: string | null;
  ipAddress: string;
  userAgent: string;
  deviceName: string;
  deviceType: string;
  fingerprint: string;
  data: D;
  createdAt: Date;
  lastActiveAt: Date;
  expiresAt: Date;
  /**
   * False for a sign-in without "remember me" (`authenticate(..., { remember: false })`): its cookie is a
   * browser-session cookie and the row lives `browserSessionTtl`. True otherwise (guest sessions too).
   */
  remembered: boolean;
  /**
   * When the user last proved who they are: the sign-in, or the last `reauthenticate()`. `null` for a guest session.
   * What `requireFresh()` checks.
   */
  authenticatedAt: Date | null;
}

/** A session of a signed-in user (never a guest), as `listForUser` returns them. */
export type UserSessionData<D extends object = SessionValues> = SessionData<D> & { userId: string };

/** The data key under which flash messages wait for the request that reads them. Reserved: `set()` refuses it. */
export const FLASH_KEY = '__flash';

/**
 * Serialises session data to JSON text, rejecting what would not round-trip: BigInt, functions, symbols,
 * cycles, non-finite numbers, `undefined` in arrays, and objects that are not plain (Date, Map, class instances).
 * `undefined` object properties are dropped, as `JSON.stringify` does. Throws `INVALID_DATA`.
 * @internal
 */
export function serializeData(data: unknown, what = 'session data'): string {
  if (!isPlainObject(data)) {
    throw new SessionError(
      'INVALID_DATA',
      `${what} must be a plain JSON object (got ${describeType(data)}).`,
    );
  }
  checkJson(data, '$', new Set(), what, 0);
  return JSON.stringify(data);
}

/** Checks one value that will be stored under a data key. Throws `INVALID_DATA`. @internal */
export function checkDataValue(key: string, value: unknown): void {
  if (value === undefined) {
    throw new SessionError(
      'INVALID_DATA',
      `session value "${key}" is undefined; use remove("${key}") to delete a key.`,
    );
  }
  checkJson(value, `$.${key}`, new Set(), 'session data', 1);
}

/** Parses the stored JSON text; a row whose data is not a JSON object gives `INVALID_DATA`. @internal */
export function parseData(text: unknown, sessionId: string): SessionValues {
  if (typeof text !== 'string') {
    throw new SessionError(
      'INVALID_DATA',
      `Session ${sessionId} has data that is not JSON text; fix or delete the row.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new SessionError(
      'INVALID_DATA',
      `Session ${sessionId} has data that is not valid JSON; fix or delete the row.`,
      {
        cause,
      },
    );
  }
  if (!isPlainObject(value)) {
    throw new SessionError(
      'INVALID_DATA',
      `Session ${sessionId} has data that is not a JSON object; fix or delete the row.`,
    );
  }
  return value as SessionValues;
}

/** Deepest nesting of session data: deeper data is refused before it can exhaust the stack of a request. */
const MAX_DEPTH = 64;

function checkJson(value: unknown, path: string, seen: Set<object>, what: string, depth: number): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(path, `a non-finite number (${value})`, what);
      return;
    case 'object': {
      if (value === null) return;
      if (depth >= MAX_DEPTH) fail(path, `nested deeper than ${MAX_DEPTH} levels`, what);
      if (seen.has(value)) fail(path, 'a cycle', what);
      seen.add(value);
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          if (item === undefined) fail(`${path}[${i}]`, 'undefined in an array', what);
          checkJson(item, `${path}[${i}]`, seen, what, depth + 1);
        });
      } else if (isPlainObject(value)) {
        for (const [key, item] of Object.entries(value)) {
          if (item !== undefined) checkJson(item, `${path}.${key}`, seen, what, depth + 1);
        }
      } else {
        fail(
          path,
          `${describeType(value)} (only plain objects, arrays, strings, finite numbers, booleans and null)`,
          what,
        );
      }
      seen.delete(value);
      return;
    }
    default:
      fail(path, `a ${typeof value}`, what);
  }
}

function fail(path: string, found: string, what: string): never {
  throw new SessionError(
    'INVALID_DATA',
    `${what} is not JSON-serialisable: ${path} is ${found}. Nothing was written.`,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object')
    return `an instance of ${(value as object).constructor?.name ?? 'an unknown class'}`;
  return `a ${typeof value}`;
}

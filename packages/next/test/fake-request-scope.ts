import { parseSetCookies } from '@sess/core/testing';
import { RequestCookies, ResponseCookies } from 'next/dist/server/web/spec-extension/cookies.js';

/**
 * What Next.js is doing when the code under test runs:
 * - `render`: a server component rendered for a request (`cookies()` is read-only);
 * - `action`: a server action, or a route handler (`cookies()` can set);
 * - `prerender`: `next build` prerendering a route: `cookies()`, `headers()` and `connection()` never resolve;
 * - `runtime-prefetch`: with `cacheComponents`, the prerender of a prefetch: `cookies()` and `headers()` resolve,
 *   `connection()` never does (code after it is left for the real request).
 */
export type ScopeKind = 'render' | 'action' | 'prerender' | 'runtime-prefetch';

/**
 * Stands in for the request scope that Next.js opens around a server component render or a server action: outside
 * a running Next server, `cookies()` and `headers()` from `next/headers` and `connection()` from `next/server`
 * throw, so these tests mock them with {@link cookies}, {@link headers} and {@link connection} below. The cookie
 * stores are Next's own `RequestCookies` and `ResponseCookies`; a render scope refuses `set()` the way Next's
 * read-only cookies do.
 */
export class RequestScope {
  readonly requestHeaders: Headers;
  readonly responseHeaders: Headers = new Headers();
  readonly #request: RequestCookies;
  readonly #response = new ResponseCookies(this.responseHeaders);
  readonly kind: ScopeKind;
  /** Every `set()` the code under test tried, allowed or not. */
  readonly setAttempts: string[] = [];
  /** The callbacks given to `after()`, run by {@link finish}. */
  readonly afterCallbacks: (() => unknown)[] = [];

  constructor(kind: ScopeKind, headers: Record<string, string>, cookies: Map<string, string>) {
    this.kind = kind;
    this.requestHeaders = new Headers(headers);
    if (cookies.size > 0) {
      this.requestHeaders.set('cookie', [...cookies].map(([n, v]) => `${n}=${v}`).join('; '));
    }
    this.#request = new RequestCookies(this.requestHeaders);
  }

  /** What `await cookies()` resolves to in this scope. */
  cookieStore() {
    return {
      get: (name: string) => this.#response.get(name) ?? this.#request.get(name),
      set: (name: string, value: string, options: Record<string, unknown>) => {
        this.setAttempts.push(name);
        if (this.kind !== 'action') {
          throw new Error('Cookies can only be modified in a Server Action or Route Handler.');
        }
        this.#response.set(name, value, options);
      },
    };
  }

  /**
   * Ends the request the way Next.js does once the response is sent: runs the `after()` callbacks in order. In a
   * render scope the cookie stores stay read-only, as in Next.
   */
  async finish(): Promise<void> {
    for (const callback of this.afterCallbacks.splice(0)) await callback();
  }

  /** The cookies the response carries, parsed. */
  setCookies() {
    return parseSetCookies(this.responseHeaders);
  }
}

let current: RequestScope | null = null;

/** Opens the scope the next `cookies()` / `headers()` calls see. */
export function enterScope(scope: RequestScope): RequestScope {
  current = scope;
  return scope;
}

function scope(): RequestScope {
  if (!current) throw new Error('`cookies` was called outside a request scope.');
  return current;
}

/** A promise that never settles: how Next.js stops a prerender at request data. */
function hanging<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

/** Mock of `cookies()` from `next/headers`. */
export async function cookies() {
  const current = scope();
  return current.kind === 'prerender' ? hanging<never>() : current.cookieStore();
}

/** Mock of `headers()` from `next/headers`. */
export async function headers() {
  const current = scope();
  return current.kind === 'prerender' ? hanging<never>() : current.requestHeaders;
}

/** Mock of `connection()` from `next/server`. */
export async function connection(): Promise<void> {
  const current = scope();
  if (current.kind === 'prerender' || current.kind === 'runtime-prefetch') return hanging<never>();
}

/** Mock of `after()` from `next/server`: the callback runs when the test calls {@link RequestScope.finish}. */
export function after(callback: () => unknown): void {
  scope().afterCallbacks.push(callback);
}

const cached = new WeakMap<RequestScope, Map<unknown, unknown>>();

/**
 * Mock of React's `cache()` as a server render has it: one result per request (here, per request scope). Outside
 * a React server render (as in these tests) React's own `cache()` memoises nothing.
 */
export function cache<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    const results = cached.get(scope()) ?? new Map<unknown, unknown>();
    cached.set(scope(), results);
    if (!results.has(fn)) results.set(fn, fn(...args));
    return results.get(fn) as R;
  };
}

import { parseSetCookies } from '@sess/core/testing';
import { RequestCookies, ResponseCookies } from 'next/dist/server/web/spec-extension/cookies.js';

/**
 * Stands in for the request scope that Next.js opens around a server component render or a server action: outside
 * a running Next server, `cookies()` and `headers()` from `next/headers` throw, so these tests mock that module
 * with {@link cookies} and {@link headers} below. The cookie stores are Next's own `RequestCookies` and
 * `ResponseCookies`; a render scope refuses `set()` the way Next's read-only cookies do.
 */
export class RequestScope {
  readonly requestHeaders: Headers;
  readonly responseHeaders: Headers = new Headers();
  readonly #request: RequestCookies;
  readonly #response = new ResponseCookies(this.responseHeaders);
  readonly kind: 'render' | 'action';
  /** Every `set()` the code under test tried, allowed or not. */
  readonly setAttempts: string[] = [];

  constructor(kind: 'render' | 'action', headers: Record<string, string>, cookies: Map<string, string>) {
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
        if (this.kind === 'render') {
          throw new Error('Cookies can only be modified in a Server Action or Route Handler.');
        }
        this.#response.set(name, value, options);
      },
    };
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

/** Mock of `cookies()` from `next/headers`. */
export async function cookies() {
  return scope().cookieStore();
}

/** Mock of `headers()` from `next/headers`. */
export async function headers() {
  return scope().requestHeaders;
}

import type { IncomingHttpHeaders } from 'node:http';
import type { AbstractHttpAdapter } from '@nestjs/core';
import {
  type CommitOptions,
  SessionError,
  SessionManager,
  type SessionStore,
  type SessionValues,
} from '@sess/core';
import {
  asSessionError,
  type CookieAttributes,
  getCookieFromHeader,
  mergeVary,
  type SessionPort,
  serializeCookie,
} from '@sess/core/adapter';

/** The Node request underneath a framework request: Express's own, or Fastify's `request.raw`. */
interface RawRequest {
  headers: IncomingHttpHeaders;
  socket?: { remoteAddress?: string | undefined } | null | undefined;
}

/** Where the response's headers go: the app's HTTP adapter and the framework response (Express `res`, Fastify `reply`). */
interface ResponseTarget {
  adapter: AbstractHttpAdapter;
  response: unknown;
}

/**
 * The {@link SessionPort} of one Nest request. It reads the raw request's headers and socket, and writes the
 * `Set-Cookie`, `Cache-Control` and `Vary` headers through the Nest HTTP adapter, so it works the same on Express
 * and on Fastify without a cookie plugin. Writes are bound to the framework response at commit time.
 */
class NestSessionPort implements SessionPort {
  readonly #request: RawRequest;
  #target: ResponseTarget | undefined;

  constructor(request: RawRequest) {
    this.#request = request;
  }

  respondWith(target: ResponseTarget): void {
    this.#target = target;
  }

  getCookie(name: string): string | undefined {
    return getCookieFromHeader(this.getHeader('cookie'), name);
  }

  getHeader(name: string): string | undefined {
    const value = this.#request.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  remoteAddress(): string | undefined {
    return this.#request.socket?.remoteAddress;
  }

  setCookie(name: string, value: string, attributes: CookieAttributes): void {
    const target = this.#writable();
    if (target)
      target.adapter.appendHeader(target.response, 'Set-Cookie', serializeCookie(name, value, attributes));
  }

  setHeader(name: 'Cache-Control' | 'Vary', value: string): void {
    const target = this.#writable();
    if (!target) return;
    if (name === 'Vary') {
      const current = target.adapter.getHeader(target.response, 'Vary');
      value = mergeVary(Array.isArray(current) ? current.join(', ') : (current ?? undefined), value);
    }
    target.adapter.setHeader(target.response, name, value);
  }

  #writable(): ResponseTarget | undefined {
    const target = this.#target;
    if (!target) {
      throw new SessionError(
        'NO_SESSION_CONTEXT',
        'The session was committed before a response was bound to it.',
      );
    }
    // A handler that wrote the response itself (`@Res()` without `passthrough`) leaves no headers to add to.
    return target.adapter.isHeadersSent(target.response) ? undefined : target;
  }
}

/** The session state of one request: its manager, and the error its load ended with, if any. @internal */
export class RequestSession {
  readonly manager: SessionManager<SessionValues>;
  readonly #port: NestSessionPort;
  /** The `SessionError` that loading threw (the database failed, or the row's data was not JSON). */
  loadError: SessionError | undefined;
  readonly loaded: Promise<void>;

  constructor(store: SessionStore, request: RawRequest) {
    this.#port = new NestSessionPort(request);
    this.manager = new SessionManager(store, this.#port);
    this.loaded = this.manager.load().catch((error: unknown) => {
      this.loadError = asSessionError(error);
    });
  }

  /** Commits the manager, writing its headers to `response` through the adapter. Throws what `commit` throws. */
  async commit(adapter: AbstractHttpAdapter, response: unknown, options: CommitOptions = {}): Promise<void> {
    this.#port.respondWith({ adapter, response });
    await this.manager.commit(options);
  }

  /** Commits after a failure (no flush, no touch); a failing commit is ignored, as the request fails anyway. */
  async commitFailed(adapter: AbstractHttpAdapter, response: unknown): Promise<void> {
    try {
      await this.commit(adapter, response, { failed: true });
    } catch {
      // the request already fails with its own error
    }
  }
}

const sessions = new WeakMap<object, RequestSession>();

const hasHeaders = (value: unknown): value is RawRequest =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { headers?: unknown }).headers === 'object' &&
  (value as { headers?: unknown }).headers !== null;

/** The Node request under an Express request (itself) or a Fastify request (`request.raw`). */
function rawRequest(request: unknown): RawRequest & object {
  if (typeof request !== 'object' || request === null) {
    throw new SessionError('NO_SESSION_CONTEXT', 'Sessions need an HTTP request; this context has none.');
  }
  const raw = (request as { raw?: unknown }).raw;
  if (hasHeaders(raw)) return raw;
  return request as RawRequest;
}

/** True for what {@link openSession} can read: a request with headers, or a Fastify request over one. @internal */
export function isHttpRequest(value: unknown): boolean {
  return hasHeaders(value) || hasHeaders((value as { raw?: unknown } | null | undefined)?.raw);
}

/** The request's session, made and loaded on first use (by the middleware, or a guard or interceptor). @internal */
export async function openSession(store: SessionStore, request: unknown): Promise<RequestSession> {
  const raw = rawRequest(request);
  let session = sessions.get(raw);
  if (!session) {
    session = new RequestSession(store, raw);
    sessions.set(raw, session);
  }
  await session.loaded;
  return session;
}

/** The request's session if the module opened one. @internal */
export function requestSession(request: unknown): RequestSession | undefined {
  return sessions.get(rawRequest(request));
}

/**
 * The `SessionManager` of a request (an Express request, a Fastify request or the Node request underneath), or
 * `undefined` when `SessionModule` has not loaded one for it. For code that has the request but no `@Session()`
 * parameter, such as a custom guard.
 *
 * @example
 * ```ts
 * const session = getSession<AppData>(context.switchToHttp().getRequest())
 * if (session?.get('role') !== 'admin') throw new ForbiddenException()
 * ```
 */
export function getSession<D extends object = SessionValues>(
  request: unknown,
): SessionManager<D> | undefined {
  return requestSession(request)?.manager as SessionManager<D> | undefined;
}

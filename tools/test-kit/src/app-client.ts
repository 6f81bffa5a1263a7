import { CookieJar } from './cookie-jar.js';
import { CHROME_MAC } from './user-agents.js';

/** What {@link AppClient} needs of an app: Hono's `app.request(path, init, env)`. */
export interface RequestableApp {
  request(path: string, init: RequestInit, env: object): Response | Promise<Response>;
}

/** Options of {@link AppClient}. */
export interface AppClientOptions {
  /** The User-Agent of every request (unless a request sets its own). @default {@link CHROME_MAC} */
  userAgent?: string | undefined;
  /** The socket address the app sees. @default "127.0.0.1" */
  ip?: string | undefined;
  /** Headers sent with every request (a request's own headers win). */
  headers?: Record<string, string> | undefined;
}

/**
 * A browser over `app.request()`, no server needed: a cookie jar, a fixed User-Agent, and `@hono/node-server`'s env
 * shape (`incoming.socket.remoteAddress`) so that the session middleware's default `getConnInfo` finds a socket
 * address. A `cookie` header given to a request is sent as is, instead of the jar's.
 */
export class AppClient {
  readonly jar = new CookieJar();

  constructor(
    readonly app: RequestableApp,
    readonly options: AppClientOptions = {},
  ) {}

  /** Sends a request with this client's headers and cookies; keeps the cookies the response sets or clears. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(this.options.headers);
    for (const [name, value] of new Headers(init.headers)) headers.set(name, value);
    if (!headers.has('user-agent')) headers.set('user-agent', this.options.userAgent ?? CHROME_MAC);
    const cookie = this.jar.header();
    if (cookie && !headers.has('cookie')) headers.set('cookie', cookie);
    const env = { incoming: { socket: { remoteAddress: this.options.ip ?? '127.0.0.1' } } };
    const response = await this.app.request(path, { ...init, headers }, env);
    this.jar.receive(response.headers);
    return response;
  }

  /** A POST of `path`. */
  post(path: string, init: RequestInit = {}): Promise<Response> {
    return this.request(path, { ...init, method: 'POST' });
  }

  /** Submits a form the way a browser does from a page of the app (with a same-origin `Origin`). */
  submit(path: string, fields: Record<string, string> = {}, origin = 'http://localhost'): Promise<Response> {
    return this.request(path, { method: 'POST', body: new URLSearchParams(fields), headers: { origin } });
  }

  /** Follows a redirect response with a GET, like a browser after a 303. */
  async follow(response: Response): Promise<Response> {
    const location = response.headers.get('location');
    if (!location) throw new Error(`expected a redirect, got ${response.status}`);
    return this.request(location);
  }
}

import { type ParsedSetCookie, parseSetCookies } from '@sess/core/testing';

/** A Chrome-on-macOS User-Agent. */
export const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** One response as a test looks at it: status, body text, the cookies it set. */
export interface Reply {
  status: number;
  body: string;
  location: string | null;
  cookies: ParsedSetCookie[];
  headers: Headers;
}

/**
 * A browser over real HTTP (fetch): a cookie jar, a fixed User-Agent, no redirect following, and an `Origin` of
 * the server on POSTs as a browser sends for a form of the page (the demo's csrf() checks it).
 */
export class HttpClient {
  readonly jar = new Map<string, string>();
  constructor(
    public baseUrl: string,
    readonly userAgent = CHROME_MAC,
  ) {}

  /** The `Cookie` header this client sends, or `undefined` with an empty jar. */
  cookieHeader(): string | undefined {
    return this.jar.size === 0 ? undefined : [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** Sends a request with this client's User-Agent and cookies; stores the cookies the answer sets or clears. */
  async request(path: string, init: RequestInit = {}): Promise<Reply> {
    const headers = new Headers(init.headers);
    headers.set('user-agent', this.userAgent);
    const cookie = this.cookieHeader();
    if (cookie && !headers.has('cookie')) headers.set('cookie', cookie);
    const res = await fetch(`${this.baseUrl}${path}`, { ...init, headers, redirect: 'manual' });
    const cookies = parseSetCookies(res.headers);
    for (const c of cookies) {
      if ((c.maxAge ?? 1) <= 0) this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
    return {
      status: res.status,
      body: await res.text(),
      location: res.headers.get('location'),
      cookies,
      headers: res.headers,
    };
  }

  /** A GET of `path`. */
  get(path: string): Promise<Reply> {
    return this.request(path);
  }

  /** Posts a form from a page of the app (same-origin `Origin`). */
  post(path: string, fields: Record<string, string> = {}): Promise<Reply> {
    return this.request(path, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { origin: new URL(this.baseUrl).origin },
    });
  }

  /** Signs in to the demo with a username and password (the demo's form). */
  signIn(username: string, password: string): Promise<Reply> {
    return this.post('/login', { username, password });
  }
}

/** The visit count the demo's home page shows, or `undefined` when the page is not the signed-in home page. */
export function visitsOf(html: string): number | undefined {
  const m = /id="visits">\s*(?:<!--.*?-->)?\s*(\d+)/.exec(html);
  return m ? Number(m[1]) : undefined;
}

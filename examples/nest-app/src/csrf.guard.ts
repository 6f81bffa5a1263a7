import type { IncomingHttpHeaders } from 'node:http';
import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnsupportedMediaTypeException,
} from '@nestjs/common';

/** Methods that change nothing, so a cross-site page gains nothing by sending them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const JSON_MEDIA_TYPE = /^application\/json\s*(?:;|$)/i;

/** What the guard reads of an Express request, or of a Fastify request (whose Node request is `raw`). */
interface RequestLike {
  method: string;
  headers: IncomingHttpHeaders;
  socket?: { encrypted?: boolean } | undefined;
  raw?: { socket?: { encrypted?: boolean } | undefined } | undefined;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** This app's own origin as the browser sees it: the connection's scheme and the `Host` the request was sent to. */
function ownOrigin(request: RequestLike): string | undefined {
  const host = header(request.headers, 'host');
  if (!host) return undefined;
  const encrypted = (request.raw?.socket ?? request.socket)?.encrypted === true;
  return `${encrypted ? 'https' : 'http'}://${host.toLowerCase()}`;
}

/**
 * True unless a browser says the request comes from another origin. Browsers send `Sec-Fetch-Site` and `Origin` on
 * every POST, PUT, PATCH and DELETE; a request is this app's own when `Sec-Fetch-Site` is `same-origin` or `Origin`
 * is this app's origin. A request with neither header is not from a browser (curl, a server), and a page of another
 * site cannot make a browser send one that way.
 */
function fromThisOrigin(request: RequestLike): boolean {
  const site = header(request.headers, 'sec-fetch-site');
  const origin = header(request.headers, 'origin');
  if (site === undefined && origin === undefined) return true;
  if (site === 'same-origin') return true;
  return origin !== undefined && origin === ownOrigin(request);
}

/** True for a JSON body, and for no body at all (a POST without one, such as sign out). */
function jsonOrNoBody(headers: IncomingHttpHeaders): boolean {
  const type = header(headers, 'content-type');
  if (type !== undefined) return JSON_MEDIA_TYPE.test(type);
  const length = header(headers, 'content-length');
  return header(headers, 'transfer-encoding') === undefined && (length === undefined || length === '0');
}

/**
 * The demo's defence against cross-site request forgery (login CSRF, a page of another site or of a sibling
 * subdomain signing the user out). On every request that can change something (any method but GET, HEAD and
 * OPTIONS):
 *
 * 1. A browser request from another origin is refused with 403: `Sec-Fetch-Site` must be `same-origin`, or
 *    `Origin` must be this app's origin (the check of Hono's `csrf()`, which the Hono demo uses for its forms;
 *    here for every body, since a JSON API has no reason to take any request from another origin).
 * 2. The body must be JSON (`Content-Type: application/json`), or absent; anything else (a form, `text/plain`)
 *    is refused with 415. An HTML form cannot send JSON, and a cross-site `fetch` can only send JSON after a CORS
 *    preflight, which this app does not answer.
 *
 * Registered as a global guard before `SessionGuard`, so a forged request stops before any handler runs, and is
 * answered 403 whether or not it carries a session cookie.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  /** True for safe methods and this origin's JSON requests; throws 403 or 415 otherwise (see the class docs). */
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<RequestLike>();
    if (SAFE_METHODS.has(request.method.toUpperCase())) return true;
    if (!fromThisOrigin(request)) {
      throw new ForbiddenException(
        'Cross-origin request refused: this API accepts changes from its own pages only.',
      );
    }
    if (!jsonOrNoBody(request.headers)) {
      throw new UnsupportedMediaTypeException(
        'Send the request body as JSON (Content-Type: application/json).',
      );
    }
    return true;
  }
}

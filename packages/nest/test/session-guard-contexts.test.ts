import 'reflect-metadata';
import { type INestApplication, UnauthorizedException } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { SessionManager, SessionStore } from '@sess/core';
import { type Fault, MemoryPort } from '@sess/core/testing';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  getSession,
  Public,
  RequireFresh,
  SessionGuard,
  SessionModule,
  type SessionModuleOptions,
} from '../src/index.js';
import { openDb } from './support/db.js';

const TABLE = 'nest_guard_context_sessions';
const HEADERS = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0', 'accept-language': 'en' };

/** A Node request as Apollo's `context.req` holds it: headers and a socket. */
type FakeRequest = { headers: Record<string, string>; socket: { remoteAddress: string } };

/** Handlers as a gateway, a microservice controller or a resolver would declare them. */
class Handlers {
  closed() {}
  @Public()
  open() {}
  @Public()
  @RequireFresh('10m')
  sensitive() {}
}

@Public()
class PublicHandlers {
  any() {}
}

/** The execution context Nest builds for a handler of `type`, with the transport's own arguments. */
function contextOf(
  type: string,
  args: unknown[],
  handler: 'closed' | 'open' | 'sensitive' | 'publicClass' = 'closed',
): ExecutionContextHost {
  const context =
    handler === 'publicClass'
      ? new ExecutionContextHost(args, PublicHandlers, PublicHandlers.prototype.any)
      : new ExecutionContextHost(args, Handlers, Handlers.prototype[handler]);
  context.setType(type);
  return context;
}

/** GraphQL resolver arguments: `[root, args, context, info]`. */
const graphql = (gqlContext: unknown, handler?: 'closed' | 'open' | 'sensitive' | 'publicClass') =>
  contextOf('graphql', [undefined, {}, gqlContext, {}], handler);

/** The arguments of contexts that carry no HTTP request: a WebSocket message, a microservice message. */
const NO_REQUEST_ARGS: Record<string, unknown[]> = {
  ws: [{ id: 'socket-1' }, { event: 'data' }],
  rpc: [{ pattern: 'sum' }, { getPattern: () => 'sum' }],
  graphql: [undefined, {}, { pubsub: {} }, {}], // a subscription over WebSocket: no `req` in the context
};

/** A handler of a context of `type` that carries no HTTP request. */
const noRequest = (type: string, handler?: 'closed' | 'open' | 'sensitive' | 'publicClass') =>
  contextOf(type, NO_REQUEST_ARGS[type] ?? [], handler);

/** Starts a module (with an Express adapter, which the guard writes cookies through) and returns its guard. */
async function startGuard(
  options: SessionModuleOptions,
): Promise<{ app: INestApplication; guard: SessionGuard }> {
  const moduleRef = await Test.createTestingModule({ imports: [SessionModule.forRoot(options)] }).compile();
  const app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
  await app.init();
  return { app, guard: app.get(SessionGuard) };
}

describe('SessionGuard outside plain HTTP controllers (canActivate with ExecutionContextHost)', () => {
  let db: Kysely<any>;
  let fault: Fault;
  let store: SessionStore;
  let closed: { app: INestApplication; guard: SessionGuard };
  let optedOut: { app: INestApplication; guard: SessionGuard };

  beforeAll(async () => {
    ({ db, fault } = await openDb(TABLE));
    const session = { tableName: TABLE, cookieName: 'sid' };
    closed = await startGuard({ db, session });
    optedOut = await startGuard({ db, session, guard: { allowNonHttp: true } });
    store = closed.app.get(SessionStore);
  });
  afterAll(async () => {
    await closed?.app.close();
    await optedOut?.app.close();
    await db?.destroy();
  });
  beforeEach(async () => {
    fault.heal();
    await db.deleteFrom(TABLE).execute();
  });

  /** Signs `userId` in and returns a request that carries the new session's cookie. */
  async function signedInRequest(userId: string): Promise<FakeRequest> {
    const port = new MemoryPort({ headers: HEADERS, remoteAddress: '127.0.0.1' });
    const manager = await SessionManager.load(store, port);
    await manager.authenticate(userId);
    await manager.commit();
    const cookie = port.cookies[0];
    if (!cookie) throw new Error('sign-in set no cookie');
    return {
      headers: { ...HEADERS, cookie: `${cookie.name}=${cookie.value}` },
      socket: { remoteAddress: '127.0.0.1' },
    };
  }

  const anonymousRequest = (): FakeRequest => ({
    headers: { ...HEADERS },
    socket: { remoteAddress: '127.0.0.1' },
  });

  describe("type 'graphql' (GraphQL over HTTP)", () => {
    it('lets a signed-in request in context.req through, with the session the HTTP path loads', async () => {
      const req = await signedInRequest('alice');
      await expect(closed.guard.canActivate(graphql({ req }))).resolves.toBe(true);
      expect(getSession(req)?.userId).toBe('alice');
    });

    it('reads the request from context.request too (Mercurius / Fastify style, with request.raw)', async () => {
      const raw = await signedInRequest('alice');
      const request = { raw, headers: raw.headers };
      await expect(closed.guard.canActivate(graphql({ request }))).resolves.toBe(true);
      expect(getSession(request)?.userId).toBe('alice');
      const anonymous = anonymousRequest();
      await expect(
        closed.guard.canActivate(graphql({ request: { raw: anonymous, headers: anonymous.headers } })),
      ).rejects.toBeInstanceOf(UnauthorizedException);
    });

    it('reads the request from context.reply.request (Mercurius’ default context)', async () => {
      const raw = await signedInRequest('alice');
      const reply = { request: { raw, headers: raw.headers } };
      await expect(closed.guard.canActivate(graphql({ reply }))).resolves.toBe(true);
      expect(getSession(raw)?.userId).toBe('alice');
      const anonymous = anonymousRequest();
      await expect(
        closed.guard.canActivate(
          graphql({ reply: { request: { raw: anonymous, headers: anonymous.headers } } }),
        ),
      ).rejects.toBeInstanceOf(UnauthorizedException);
    });

    it('answers 401 to an anonymous request, as on HTTP', async () => {
      const refused = closed.guard.canActivate(graphql({ req: anonymousRequest() }));
      await expect(refused).rejects.toBeInstanceOf(UnauthorizedException);
      await expect(refused).rejects.toMatchObject({ status: 401 });
    });

    it('answers 401 to a revoked session and clears its cookie on context.res, as on HTTP', async () => {
      const req = await signedInRequest('alice');
      await store.destroyAllForUser('alice');
      const headers = new Map<string, string[]>();
      const res = {
        headersSent: false,
        get: (name: string) => headers.get(name.toLowerCase())?.join(', '),
        set: (name: string, value: string) => headers.set(name.toLowerCase(), [value]),
        append: (name: string, value: string) =>
          headers.set(name.toLowerCase(), [...(headers.get(name.toLowerCase()) ?? []), value]),
      };
      await expect(closed.guard.canActivate(graphql({ req, res }))).rejects.toMatchObject({ status: 401 });
      expect(headers.get('set-cookie')).toEqual([expect.stringMatching(/^sid=;.*Max-Age=0/)]);
    });

    it('answers 503 when the session cannot be loaded because the database failed', async () => {
      const req = await signedInRequest('alice');
      fault.fail();
      await expect(closed.guard.canActivate(graphql({ req }))).rejects.toMatchObject({ status: 503 });
    });

    it('honours @Public() on the resolver method and on its class', async () => {
      const { guard } = closed;
      await expect(guard.canActivate(graphql({ req: anonymousRequest() }, 'open'))).resolves.toBe(true);
      await expect(guard.canActivate(graphql({ req: anonymousRequest() }, 'publicClass'))).resolves.toBe(
        true,
      );
      await expect(guard.canActivate(graphql({ req: anonymousRequest() }))).rejects.toMatchObject({
        status: 401,
      });
    });

    it('checks @RequireFresh() on a resolver (even @Public()): 401 anonymous, through when signed in just now', async () => {
      await expect(
        closed.guard.canActivate(graphql({ req: anonymousRequest() }, 'sensitive')),
      ).rejects.toMatchObject({ status: 401 });
      const req = await signedInRequest('alice');
      await expect(closed.guard.canActivate(graphql({ req }, 'sensitive'))).resolves.toBe(true);
    });

    it('still answers 401 to an anonymous request with context.req when allowNonHttp is set', async () => {
      const refused = optedOut.guard.canActivate(graphql({ req: anonymousRequest() }));
      await expect(refused).rejects.toMatchObject({ status: 401 });
    });
  });

  describe('contexts without an HTTP request', () => {
    it.each(['ws', 'rpc', 'graphql'])('refuses a %s handler: there is no session to check', async (type) => {
      await expect(closed.guard.canActivate(noRequest(type))).resolves.toBe(false);
    });

    it.each(['ws', 'rpc', 'graphql'])(
      'lets a %s handler through with guard: { allowNonHttp: true }, and only then',
      async (type) => {
        await expect(optedOut.guard.canActivate(noRequest(type))).resolves.toBe(true);
        await expect(closed.guard.canActivate(noRequest(type))).resolves.toBe(false);
      },
    );

    it.each(['ws', 'rpc', 'graphql'])(
      'refuses a @RequireFresh() %s handler even with allowNonHttp and @Public(): no sign-in time to check',
      async (type) => {
        await expect(optedOut.guard.canActivate(noRequest(type, 'sensitive'))).resolves.toBe(false);
        await expect(closed.guard.canActivate(noRequest(type, 'sensitive'))).resolves.toBe(false);
      },
    );

    it.each(['ws', 'rpc', 'graphql'])('lets a @Public() %s handler or class through', async (type) => {
      await expect(closed.guard.canActivate(noRequest(type, 'open'))).resolves.toBe(true);
      await expect(closed.guard.canActivate(noRequest(type, 'publicClass'))).resolves.toBe(true);
      await expect(closed.guard.canActivate(noRequest(type, 'closed'))).resolves.toBe(false);
    });
  });
});

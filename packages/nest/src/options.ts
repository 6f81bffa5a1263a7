import type { FactoryProvider, ModuleMetadata } from '@nestjs/common';
import type { CookieOptions, SessionOptions, StartCleanupOptions } from '@sess/core';
import type { Kysely } from 'kysely';

/** Injection token of the resolved {@link SessionModuleOptions}. */
export const SESSION_MODULE_OPTIONS: unique symbol = Symbol('SESSION_MODULE_OPTIONS');

/** Options of the in-app cleanup job ({@link SessionCleanup}); `startCleanup` options without `signal`. */
export type SessionCleanupOptions = Omit<StartCleanupOptions, 'signal'>;

/** Options of {@link SessionGuard}, under `guard` in the module options. */
export interface SessionGuardOptions {
  /**
   * Let handlers of contexts that carry no HTTP request through without a session check: WebSocket gateways
   * (`ws`), microservice handlers (`rpc`), and GraphQL operations whose context holds no HTTP request (no `req`,
   * `request` or `reply.request`: a subscription over WebSocket). Such a context has no cookie, so the guard cannot tell who is calling: by default
   * it refuses them, and Nest answers with the transport's own "Forbidden resource" error. Authenticate those
   * handlers yourself (a guard of your own), or open single ones with `@Public()`. GraphQL operations over HTTP and
   * HTTP routes are checked either way.
   * @default false
   */
  allowNonHttp?: boolean | undefined;
}

/** Options of {@link SessionModule.forRoot}, and what the `useFactory` of {@link SessionModule.forRootAsync} returns. */
export interface SessionModuleOptions {
  /** The Kysely instance that holds the session table (create it with `migrateToLatest(db)`). The app owns it. */
  db: Kysely<any>;
  /** Session behaviour: ttl, touch interval, cookie name, table name, trusted proxies... @default the core defaults */
  session?: SessionOptions | undefined;
  /** Cookie attributes: path, domain, secure, sameSite, signing secret. @default the core defaults */
  cookie?: CookieOptions | undefined;
  /**
   * Run the expired-session cleanup on a timer inside the app: started on application bootstrap, stopped on module
   * destroy (`app.close()`). `true` uses the defaults (every 15 minutes).
   * @default false (no in-app cleanup; run `store.cleanupExpired()` from a job instead)
   */
  cleanup?: SessionCleanupOptions | boolean | undefined;
  /** How `SessionGuard` treats handlers that are not HTTP routes. @default { allowNonHttp: false } */
  guard?: SessionGuardOptions | undefined;
}

/** Options of {@link SessionModule.forRootAsync}. */
export interface SessionModuleAsyncOptions {
  /** Modules whose exported providers the factory injects (e.g. `ConfigModule`). */
  imports?: ModuleMetadata['imports'] | undefined;
  /** Providers passed to `useFactory`, in order. */
  inject?: FactoryProvider['inject'] | undefined;
  /** Builds the options; may be async (e.g. to run `migrateToLatest(db)` first). */
  useFactory: (...args: any[]) => SessionModuleOptions | Promise<SessionModuleOptions>;
}

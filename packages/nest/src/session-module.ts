import {
  type DynamicModule,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type Provider,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { SessionStore } from '@sess/core';
import {
  SESSION_MODULE_OPTIONS,
  type SessionModuleAsyncOptions,
  type SessionModuleOptions,
} from './options.js';
import { SessionCleanup } from './session-cleanup.js';
import { SessionGuard } from './session-guard.js';
import { SessionInterceptor } from './session-interceptor.js';
import { SessionMiddleware } from './session-middleware.js';

const storeProvider: Provider = {
  provide: SessionStore,
  useFactory: (options: SessionModuleOptions) =>
    new SessionStore(options.db, options.session, options.cookie),
  inject: [SESSION_MODULE_OPTIONS],
};

/**
 * Database-backed sessions for a Nest app, on Express or Fastify. Import it once, in the root module; it is global,
 * so `SessionStore`, `SessionCleanup` and `SessionGuard` can be injected anywhere.
 *
 * It loads each request's session in a middleware (before guards), hands it to handlers through `@Session()`,
 * and commits it in a global interceptor after the handler (nothing is flushed when the handler throws).
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [SessionModule.forRoot({ db, session: { ttl: '7d' }, cookie: { secret: process.env.SESSION_SECRET } })],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
export class SessionModule implements NestModule {
  /** Configures the module with options known at import time. */
  static forRoot(options: SessionModuleOptions): DynamicModule {
    return sessionModule([{ provide: SESSION_MODULE_OPTIONS, useValue: options }], []);
  }

  /**
   * Configures the module with options built by a factory, which may inject providers (a config service) and be
   * async (to run `migrateToLatest(db)` first).
   *
   * @example
   * ```ts
   * SessionModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: async (config: ConfigService) => {
   *     const db = createDb(config.getOrThrow('DATABASE_URL'))
   *     await migrateToLatest(db)
   *     return { db, cookie: { secret: config.getOrThrow('SESSION_SECRET') } }
   *   },
   * })
   * ```
   */
  static forRootAsync(options: SessionModuleAsyncOptions): DynamicModule {
    return sessionModule(
      [{ provide: SESSION_MODULE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }],
      options.imports ?? [],
    );
  }

  /** @internal Applies the loading middleware to every route. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SessionMiddleware).forRoutes('*');
  }
}

function sessionModule(
  optionsProviders: Provider[],
  imports: NonNullable<DynamicModule['imports']>,
): DynamicModule {
  return {
    module: SessionModule,
    global: true,
    imports,
    providers: [
      ...optionsProviders,
      storeProvider,
      SessionCleanup,
      SessionGuard,
      SessionMiddleware,
      { provide: APP_INTERCEPTOR, useClass: SessionInterceptor },
    ],
    exports: [SESSION_MODULE_OPTIONS, SessionStore, SessionCleanup, SessionGuard],
  };
}

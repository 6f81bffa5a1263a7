import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { migrateToLatest } from '@sess/core';
import { SessionGuard, SessionModule } from '@sess/nest';
import { AuthController } from './auth.controller.js';
import { CsrfGuard } from './csrf.guard.js';
import { Database, DatabaseModule } from './database.module.js';
import { HealthController } from './health.controller.js';
import { MeController } from './me.controller.js';
import { SessionsController } from './sessions.controller.js';
import { UsersService } from './users.js';

/** How the demo runs; `bootstrap()` reads it from the environment. */
export interface AppConfig {
  /** `DATABASE_URL`: postgres://…, mysql://…, sqlite:PATH; unset → SQLite file `data/sess.sqlite`. */
  databaseUrl?: string | undefined;
  /** Session table name. @default "sess_sessions" */
  sessionTable?: string | undefined;
  /** Secure cookies; turn off only for plain http on loopback. @default true */
  secureCookies?: boolean | undefined;
  /** Cookie signing secret (at least 32 bytes). @default none */
  cookieSecret?: string | undefined;
  /** Fingerprint headers; apps that share one table must use the same list. */
  fingerprintHeaders?: string[] | undefined;
}

/**
 * The demo: its database, SessionModule (migrated and configured in its async factory), and two global guards, in
 * this order: `CsrfGuard` (cross-origin and non-JSON requests that change something are refused) and
 * `SessionGuard` (signed in, unless `@Public()`).
 */
@Module({})
export class AppModule {
  /** The app for a configuration (see `bootstrap()` for the environment variables behind it). */
  static forRoot(config: AppConfig = {}): DynamicModule {
    const database = DatabaseModule.forRoot(config.databaseUrl);
    return {
      module: AppModule,
      imports: [
        database,
        SessionModule.forRootAsync({
          imports: [database],
          inject: [Database],
          useFactory: async ({ db }: Database) => {
            await migrateToLatest(db, { tableName: config.sessionTable });
            return {
              db,
              session: {
                tableName: config.sessionTable,
                ttl: '30d',
                maxSessionsPerUser: 5,
                // Sessions before sign-in: here only to carry the "signed out everywhere" notice to the next page.
                guests: true,
                guestTtl: '1d',
                fingerprintHeaders: config.fingerprintHeaders,
              },
              cookie: { secure: config.secureCookies ?? true, secret: config.cookieSecret },
              cleanup: { interval: '10m' },
            };
          },
        }),
      ],
      controllers: [AuthController, MeController, SessionsController, HealthController],
      providers: [
        UsersService,
        { provide: APP_GUARD, useClass: CsrfGuard },
        { provide: APP_GUARD, useClass: SessionGuard },
      ],
    };
  }
}

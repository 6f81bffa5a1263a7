import { fileURLToPath } from 'node:url';
import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { openDatabase } from '@sess/demo-kit';
import type { Kysely } from 'kysely';

const DATABASE_URL = Symbol('DATABASE_URL');

/** Where the demo keeps its SQLite database when `DATABASE_URL` is unset (`data/` is created on first start). */
export const DEFAULT_SQLITE_PATH = fileURLToPath(new URL('../data/sess.sqlite', import.meta.url));

/**
 * The app's database connection, opened from `DATABASE_URL` (a PostgreSQL connection that drops is logged and
 * answered with 503 until it is back; it never ends the process). It is closed on shutdown, after SessionModule has
 * stopped its cleanup job.
 */
@Injectable()
export class Database implements OnApplicationShutdown {
  readonly db: Kysely<any>;

  constructor(@Inject(DATABASE_URL) url: string | undefined) {
    this.db = openDatabase(url, { sqlitePath: DEFAULT_SQLITE_PATH }).db;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}

/** Provides {@link Database} to the app and to `SessionModule.forRootAsync`. */
@Module({})
export class DatabaseModule {
  /** The database named by `url` (`DATABASE_URL`; SQLite in `data/` when unset). */
  static forRoot(url: string | undefined): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [{ provide: DATABASE_URL, useValue: url }, Database],
      exports: [Database],
    };
  }
}

import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { openDatabase } from './database.js';

const DATABASE_URL = Symbol('DATABASE_URL');

/** The app's database connection. It is closed on shutdown, after SessionModule has stopped its cleanup job. */
@Injectable()
export class Database implements OnApplicationShutdown {
  readonly db: Kysely<any>;

  constructor(@Inject(DATABASE_URL) url: string | undefined) {
    this.db = openDatabase(url);
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

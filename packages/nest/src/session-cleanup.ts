import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { type CleanupJob, SessionStore, startCleanup } from '@sess/core';
import { SESSION_MODULE_OPTIONS, type SessionModuleOptions } from './options.js';

/**
 * The in-app expired-session cleanup. With `cleanup` set in the module options it runs `startCleanup(store)` when
 * the application has bootstrapped and stops it when the module is destroyed (`app.close()`, or a signal with
 * `app.enableShutdownHooks()`), before the app's own shutdown hooks close the database, waiting for a run in
 * progress; without it, it does nothing. Injectable, to run a
 * cleanup on demand.
 */
@Injectable()
export class SessionCleanup implements OnApplicationBootstrap, OnModuleDestroy {
  readonly #store: SessionStore;
  readonly #options: SessionModuleOptions;
  readonly #logger = new Logger('SessionCleanup');
  #job: CleanupJob | undefined;

  constructor(
    @Inject(SessionStore) store: SessionStore,
    @Inject(SESSION_MODULE_OPTIONS) options: SessionModuleOptions,
  ) {
    this.#store = store;
    this.#options = options;
  }

  /** True while the timer runs (between bootstrap and shutdown, when `cleanup` is configured). */
  get running(): boolean {
    return this.#job?.running ?? false;
  }

  /** Deletes expired sessions now and resolves how many (joins a run in progress). */
  runNow(): Promise<number> {
    return this.#job ? this.#job.runNow() : this.#store.cleanupExpired(this.#cleanupOptions());
  }

  /** @internal Starts the timer when `cleanup` is configured. */
  onApplicationBootstrap(): void {
    const cleanup = this.#options.cleanup;
    if (!cleanup || this.#job) return;
    this.#job = startCleanup(this.#store, {
      onError: (error: unknown) => this.#logger.error('Expired-session cleanup failed', error),
      ...(cleanup === true ? {} : cleanup),
    });
  }

  /** @internal Stops the timer and waits for a run in progress. */
  async onModuleDestroy(): Promise<void> {
    const job = this.#job;
    this.#job = undefined;
    await job?.stop();
  }

  #cleanupOptions(): { batchSize?: number | undefined } {
    const cleanup = this.#options.cleanup;
    return typeof cleanup === 'object' ? { batchSize: cleanup.batchSize } : {};
  }
}

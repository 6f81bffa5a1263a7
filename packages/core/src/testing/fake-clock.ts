import { type Duration, durationToMs } from '../duration.js';

/**
 * A clock for tests: pass `clock.now` as the store's `now` and move time with `advance()` instead of sleeping.
 *
 * @example
 * ```ts
 * const clock = new FakeClock('2030-01-01T00:00:00Z')
 * const store = new SessionStore(db, { now: clock.now })
 * clock.advance('31d')
 * ```
 */
export class FakeClock {
  #ms: number;

  constructor(start: Date | string | number = '2030-01-01T00:00:00.000Z') {
    this.#ms = new Date(start).getTime();
  }

  /** The current fake time (a new Date each call). Bound, so it can be passed around. */
  readonly now = (): Date => new Date(this.#ms);

  /** Moves the clock forward by a duration (seconds as a number, or a string like "5m"). */
  advance(duration: Duration): Date {
    this.#ms += durationToMs('advance', duration);
    return this.now();
  }

  /** Sets the clock to a point in time. */
  set(to: Date | string | number): Date {
    this.#ms = new Date(to).getTime();
    return this.now();
  }
}

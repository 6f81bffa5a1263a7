import { configError } from './errors.js';

/**
 * A duration: a number of seconds, or a string such as `"30d"`, `"12h"`, `"15m"`, `"45s"` or `"500ms"`.
 * Units: `ms`, `s`, `m`, `h`, `d`, `w`.
 */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd' | 'w'}`;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Converts a {@link Duration} to milliseconds. Throws `INVALID_CONFIG` naming `field` when the value is not a
 * finite, non-negative duration.
 */
export function durationToMs(field: string, value: Duration | string): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = value * 1_000;
  } else if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(value);
    if (!match)
      throw configError(
        field,
        `must be a number of seconds or a string like "30d", "15m", "45s" (got ${JSON.stringify(value)})`,
      );
    ms = Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  } else {
    throw configError(field, `must be a number of seconds or a duration string (got ${typeof value})`);
  }
  if (!Number.isFinite(ms) || ms < 0)
    throw configError(field, `must be a finite duration of 0 or more (got ${String(value)})`);
  return Math.round(ms);
}

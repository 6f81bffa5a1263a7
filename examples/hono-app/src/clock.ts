import { readFileSync } from 'node:fs';

/**
 * The demo server's clock when `SESS_DEMO_CLOCK_FILE` names a file: the real time plus the number of milliseconds
 * written in that file (0 while it is missing or empty). The browser tests use it to make a sign-in 11 minutes old
 * without waiting; it is read on every call, so only a test should turn it on. Without a file, `undefined`: the
 * store keeps its own clock.
 */
export function clockFromFile(file: string | undefined): (() => Date) | undefined {
  if (!file) return undefined;
  return () => {
    let offset = 0;
    try {
      offset = Number(readFileSync(file, 'utf8').trim()) || 0;
    } catch {
      // no file yet: no offset
    }
    return new Date(Date.now() + offset);
  };
}

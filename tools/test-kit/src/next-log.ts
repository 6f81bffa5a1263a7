/**
 * The lines of a `next build` or `next start` log that a user would read as a problem: warnings and errors, and
 * Next's prerendering complaints (`encountered the unstable value new Date()`, `uncached or runtime data`). Not
 * Next's note that a CI machine has no `.next/cache` to start from: it is about the CI setup, not the app.
 */
export function nextLogProblems(log: string): string[] {
  return log
    .split('\n')
    .filter((line) =>
      /⚠|\bwarn(ing)?\b|\berror\b|encountered|unstable value|uncached|new Date\(\)|Math\.random/i.test(line),
    )
    .filter((line) => !/No build cache found/.test(line));
}

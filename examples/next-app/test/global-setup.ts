import { skipBrowserTests } from '@sess/chromium';
import { runNext } from './next-app.js';

/**
 * Builds the app with `next build` once before the end-to-end tests, so they run from a clean clone (after the
 * workspace packages are built). Skipped where the browser tests are skipped.
 */
export default async function setup(): Promise<void> {
  if (skipBrowserTests()) return;
  const started = Date.now();
  await runNext(['build']);
  console.log(`[next-app] next build took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

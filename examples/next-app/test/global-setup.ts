import { skipBrowserTests } from '@sess/chromium';
import type { TestProject } from 'vitest/node';
import { runNext } from './next-app.js';

/**
 * Builds the app with `next build` once before the end-to-end tests, so they run from a clean clone (after the
 * workspace packages are built), and hands its output to the tests (they fail on a warning in it). Skipped where the
 * browser tests are skipped.
 */
export default async function setup(project: TestProject): Promise<void> {
  if (skipBrowserTests()) {
    project.provide('nextBuildLog', '');
    return;
  }
  const started = Date.now();
  const output = await runNext(['build']);
  console.log(`[next-app] next build took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('nextBuildLog', output);
}

import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { type QuickStartProject, type SetUpOptions, setUpQuickStart } from '../../src/index.js';
import { type QuickStartId, quickStart } from '../quick-starts.js';

/**
 * Sets up the quick start `id` before the file's tests (a fresh npm project from the packed tarballs, its program
 * started) and stops it after them; prints how long each phase took. The project folder is removed unless a test
 * failed (its path is then printed).
 */
export function useQuickStart(
  id: QuickStartId,
  options: Omit<SetUpOptions, 'tarballs' | 'sharedInstall'> = {},
): () => QuickStartProject {
  let project: QuickStartProject | undefined;
  let checksStarted = 0;
  let failed = false;
  beforeAll(async () => {
    project = await setUpQuickStart(quickStart(id), {
      tarballs: inject('tarballs'),
      sharedInstall: inject('sharedInstall'),
      ...options,
    });
    checksStarted = Date.now();
  });
  afterEach((context) => {
    if (context.task.result?.state !== 'fail') return;
    failed = true;
    const output = project?.program?.output();
    if (output) console.log(`[quickstarts] ${id}: the program printed:\n${output.slice(-4000)}`);
  });
  afterAll(async () => {
    if (!project) return;
    await project.program?.stop();
    const checks = Date.now() - checksStarted;
    const { setup, start } = project.timings;
    console.log(
      `[quickstarts] ${id}: set-up ${seconds(setup)}, start ${seconds(start)}, checks ${seconds(checks)}, ` +
        `total ${seconds(setup + start + checks)}`,
    );
    if (failed) console.log(`[quickstarts] ${id}: project kept in ${project.dir}`);
    else rmSync(project.dir, { recursive: true, force: true });
  });
  return () => {
    if (!project) throw new Error(`the ${id} quick start was not set up`);
    return project;
  };
}

/** The program the quick start started. */
export function programOf(project: QuickStartProject) {
  if (!project.program) throw new Error(`${project.dir}: the quick start has no start block`);
  return project.program;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

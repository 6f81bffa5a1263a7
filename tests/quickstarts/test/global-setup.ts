import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import {
  packWorkspacePackages,
  prepareSharedInstall,
  sessPackagesOf,
  thirdPartySpecsOf,
  WORK_ROOT,
} from '../src/index.js';
import { readableQuickStarts } from './quick-starts.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Tarball of each packed `@sess/*` package. */
    tarballs: Record<string, string>;
    /** The shared install of the quick starts' third-party packages. */
    sharedInstall: string;
  }
}

/** Packs the `@sess/*` packages the quick starts install, and prepares (or reuses) the shared npm install. */
export default async function setup(project: TestProject): Promise<() => void> {
  const quickStarts = readableQuickStarts();
  mkdirSync(WORK_ROOT, { recursive: true });
  const runDir = mkdtempSync(join(WORK_ROOT, 'run-'));

  let started = Date.now();
  const packages = sessPackagesOf(quickStarts);
  const tarballs = packWorkspacePackages(packages, join(runDir, 'tarballs'));
  console.log(`[quickstarts] packed ${packages.join(', ') || 'nothing'} in ${seconds(started)}`);

  started = Date.now();
  const specs = thirdPartySpecsOf(quickStarts);
  const sharedInstall = await prepareSharedInstall(specs);
  console.log(
    `[quickstarts] shared npm install of ${specs.join(' ')}: ${seconds(started)} (${sharedInstall})`,
  );

  project.provide('tarballs', tarballs);
  project.provide('sharedInstall', sharedInstall);
  return () => rmSync(runDir, { recursive: true, force: true });
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

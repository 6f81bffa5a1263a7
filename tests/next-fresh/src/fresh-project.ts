import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CommandResult,
  cleanEnv,
  killGroup,
  packWorkspacePackages,
  type QuickStart,
  runCommand,
} from '@sess/quickstarts';
import { freePort } from '@sess/test-kit';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Where the projects live: outside the repository, so neither npm nor Next.js finds the workspace's `node_modules`.
 * The installed template is kept there between runs (keyed by what it holds); `project` is made anew each run.
 */
export const WORK_ROOT = join(tmpdir(), 'sess-next-fresh');

/**
 * The `create-next-app` that makes the project: the one `@latest` named when this was written (it installs
 * Next.js 16.4.x, whose defaults turn on `cacheComponents` and `partialPrefetching`). Move it on deliberately.
 */
export const CREATE_NEXT_APP = 'create-next-app@16.4.3';

/**
 * Today's defaults, spelled out so that preferences a previous interactive run saved on this machine change nothing:
 * TypeScript, App Router, Tailwind, ESLint, no `src/`, the `@/*` alias, no React Compiler.
 */
const CREATE_FLAGS = [
  '--ts',
  '--app',
  '--tailwind',
  '--eslint',
  '--no-src-dir',
  '--import-alias',
  '@/*',
  '--no-react-compiler',
  '--use-npm',
  '--disable-git',
  '--no-agent-feedback',
  '--yes',
];

export { type CommandResult, cleanEnv };

/** Runs a shell command in `cwd` to completion; rejects with its output when it fails or takes over `timeoutMs`. */
export function run(command: string, cwd: string, timeoutMs = 300_000): Promise<CommandResult> {
  return runCommand(command, cwd, cleanEnv(), timeoutMs);
}

/**
 * Packs `@sess/core` and `@sess/next` as they are published into `destination` (see `packWorkspacePackages`).
 */
export function packSessPackages(destination: string): Record<'@sess/core' | '@sess/next', string> {
  rmSync(destination, { recursive: true, force: true });
  mkdirSync(destination, { recursive: true });
  return packWorkspacePackages(['@sess/core', '@sess/next'], destination) as Record<
    '@sess/core' | '@sess/next',
    string
  >;
}

/**
 * The quick start's commands (its ```` ```sh run ```` blocks): `npm install` lines, run in the project folder. The
 * project itself comes from `create-next-app`, so any other command is one this check does not know how to follow,
 * and fails it.
 */
export function installCommands(quickStart: QuickStart): string[] {
  const commands = quickStart.steps.flatMap((step) =>
    step.kind === 'run' ? step.commands.flatMap((c) => c.split('&&').map((part) => part.trim())) : [],
  );
  for (const command of commands)
    if (!/^npm\s+(i|install|add)\s/.test(command))
      throw new Error(
        `${quickStart.readme}: the quick start runs \`${command}\`; tests/next-fresh follows npm installs only`,
      );
  return commands;
}

/** The quick start's files (its ```` ```ts title="path" ```` blocks), in document order. */
export function filesOf(quickStart: QuickStart): { path: string; content: string }[] {
  return quickStart.steps.flatMap((step) =>
    step.kind === 'file' ? [{ path: step.path, content: step.content }] : [],
  );
}

/** The install commands without the `@sess/*` packages: what the shared template installs once. */
export function thirdPartyInstalls(commands: readonly string[]): string[] {
  return commands
    .map((command) => command.replace(/(?<=\s)@sess\/[a-z0-9-]+(@\S+)?(?=\s|$)/g, '').replace(/\s+/g, ' '))
    .filter((command) => /^npm\s+\S+(\s+-\S+)*\s+[^-\s]/.test(command.trim()));
}

/** The install commands that name `@sess/*` packages, each replaced by its tarball. */
export function sessInstalls(commands: readonly string[], tarballs: Record<string, string>): string[] {
  return commands
    .filter((command) => /(^|\s)@sess\//.test(command))
    .map((command) =>
      command.replace(/(?<=\s)(@sess\/[a-z0-9-]+)(@\S+)?(?=\s|$)/g, (_, name: string) => {
        const tarball = tarballs[name];
        if (!tarball) throw new Error(`the quick start installs ${name}, which this check does not pack`);
        return `'${tarball}'`;
      }),
    );
}

/**
 * A `create-next-app` project with today's defaults and the quick start's other packages installed (plus `geist`,
 * see {@link selfHostTemplateFonts}), made once and kept under {@link WORK_ROOT} by a hash of what it holds.
 * Returns its folder and whether it was made by this call.
 */
export async function prepareTemplate(installs: readonly string[]): Promise<{ dir: string; made: boolean }> {
  const npmVersion = execFileSync('npm', ['--version'], { env: cleanEnv(), encoding: 'utf8' }).trim();
  const key = createHash('sha256')
    .update(
      JSON.stringify([CREATE_NEXT_APP, CREATE_FLAGS, installs, process.version, npmVersion, process.arch]),
    )
    .digest('hex')
    .slice(0, 16);
  const dir = join(WORK_ROOT, `template-${key}`);
  if (existsSync(join(dir, '.sess-ready'))) return { dir, made: false };
  mkdirSync(WORK_ROOT, { recursive: true });
  const building = mkdtempSync(join(WORK_ROOT, `template-${key}-building-`));
  await run(
    `npx --yes ${CREATE_NEXT_APP} app ${CREATE_FLAGS.map((f) => `'${f}'`).join(' ')}`,
    building,
    600_000,
  );
  const app = join(building, 'app');
  for (const command of installs) await run(command, app, 600_000);
  await run('npm install geist@1', app, 600_000);
  writeFileSync(join(app, '.sess-ready'), `${CREATE_NEXT_APP}\n${installs.join('\n')}\n`);
  try {
    renameSync(app, dir);
  } catch {
    // Another run finished first: use its template.
  }
  rmSync(building, { recursive: true, force: true });
  return { dir, made: true };
}

/**
 * The project to build: the template as `create-next-app` and npm left it. Copied from the template on the first run
 * (`cp -a`, some seconds: `node_modules` is half a gigabyte); later runs put back every file but `node_modules` from
 * the template, so what the previous run wrote (the quick start's files, `.next`, the database) is gone, and the
 * README's install then replaces the `@sess/*` packages in `node_modules`.
 */
export function resetProject(template: string): string {
  const project = join(WORK_ROOT, `project-${basename(template)}`);
  if (!existsSync(join(project, 'node_modules', '.package-lock.json'))) {
    rmSync(project, { recursive: true, force: true });
    execFileSync('cp', ['-a', template, project]);
  } else {
    for (const entry of readdirSync(project))
      if (entry !== 'node_modules') rmSync(join(project, entry), { recursive: true, force: true });
    for (const entry of readdirSync(template))
      if (entry !== 'node_modules') cpSync(join(template, entry), join(project, entry), { recursive: true });
  }
  rmSync(join(project, '.sess-ready'), { force: true });
  return project;
}

/** Writes the quick start's files into the project, replacing the template's where the paths meet. */
export function writeFiles(project: string, files: { path: string; content: string }[]): void {
  for (const file of files) {
    mkdirSync(dirname(join(project, file.path)), { recursive: true });
    writeFileSync(join(project, file.path), file.content);
  }
}

/**
 * The template's `app/layout.tsx` loads Geist through `next/font/google`, which `next build` downloads from
 * fonts.googleapis.com; a machine that reaches only the npm registry cannot, and the build fails before it reaches
 * a line of sess. This swaps in the same fonts from the `geist` npm package (self-hosted through `next/font/local`,
 * the fix Next's own error message names), keeping the CSS variables the template's styles use. Nothing else of
 * the template changes. Set `SESS_NEXT_FRESH_GOOGLE_FONTS=1` on a machine with internet access to keep it as is.
 */
export function selfHostTemplateFonts(project: string): boolean {
  if (process.env.SESS_NEXT_FRESH_GOOGLE_FONTS === '1') return false;
  const path = join(project, 'app', 'layout.tsx');
  const layout = readFileSync(path, 'utf8');
  const swapped = layout
    .replace(
      /import \{ Geist, Geist_Mono \} from "next\/font\/google";/,
      'import { GeistSans as geistSans } from "geist/font/sans";\nimport { GeistMono as geistMono } from "geist/font/mono";',
    )
    .replace(
      /const geistSans = Geist\(\{[\s\S]*?\}\);\s*const geistMono = Geist_Mono\(\{[\s\S]*?\}\);\s*/,
      '',
    );
  if (swapped === layout || swapped.includes('next/font/google'))
    throw new Error(`the template's app/layout.tsx changed; update selfHostTemplateFonts():\n${layout}`);
  writeFileSync(path, swapped);
  return true;
}

/** Turns `cacheComponents` (and `partialPrefetching`, which needs it) on or off in the template's `next.config.ts`. */
export function setCacheComponents(project: string, on: boolean): void {
  const path = join(project, 'next.config.ts');
  const config = readFileSync(path, 'utf8');
  const next = config
    .replace(/cacheComponents: (true|false)/, `cacheComponents: ${on}`)
    .replace(/partialPrefetching: (true|false)/, `partialPrefetching: ${on}`);
  if (!/cacheComponents: (true|false)/.test(config))
    throw new Error(`the template's next.config.ts does not set cacheComponents:\n${config}`);
  writeFileSync(path, next);
}

/** A `next start` of the project on a loopback port. */
export interface RunningServer {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `next start` on a free loopback port and waits until it answers. */
export async function startServer(project: string): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(project, 'node_modules', 'next', 'dist', 'bin', 'next'),
      'start',
      '-H',
      '127.0.0.1',
      '-p',
      String(port),
    ],
    { cwd: project, env: cleanEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
    await closed;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    try {
      await fetch(`${url}/api/me`, { signal: AbortSignal.timeout(2_000) });
      return { url, output: () => output, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`next start did not answer within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

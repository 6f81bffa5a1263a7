import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@sess/test-kit';
import type { QuickStart } from './readme-quick-start.js';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Where the quick-start projects and the shared install live: outside the repository, so npm sees no workspace. */
export const WORK_ROOT = join(tmpdir(), 'sess-quickstarts');

/** `npm i` / `npm install` / `npm add` commands, and the package specs they name. */
const NPM_INSTALL = /^npm\s+(?:i|install|add)(?:\s|$)/;
/** `@sess/core` or `@sess/core@0.1.0`, as a whole word of a command. */
const SESS_SPEC = /(?<=^|\s)@sess\/([a-z0-9-]+)(?:@\S+)?(?=\s|$)/g;

/** The `@sess/*` packages the quick starts install, e.g. `['@sess/core', '@sess/hono']`. */
export function sessPackagesOf(quickStarts: readonly QuickStart[]): string[] {
  const names = new Set<string>();
  for (const command of installCommands(quickStarts))
    for (const match of command.matchAll(SESS_SPEC)) names.add(`@sess/${match[1]}`);
  return [...names].sort();
}

/** The third-party package specs the quick starts install (`hono`, `kysely@0.28`, ...), for one shared install. */
export function thirdPartySpecsOf(quickStarts: readonly QuickStart[]): string[] {
  const specs = new Set<string>();
  for (const command of installCommands(quickStarts))
    for (const word of command.split(/\s+/).slice(2))
      if (!word.startsWith('-') && !word.startsWith('@sess/')) specs.add(word);
  return [...specs].sort();
}

function installCommands(quickStarts: readonly QuickStart[]): string[] {
  return quickStarts.flatMap((q) =>
    q.steps.flatMap((step) =>
      step.kind === 'run'
        ? step.commands
            .flatMap((c) => c.split('&&').map((part) => part.trim()))
            .filter((c) => NPM_INSTALL.test(c))
        : [],
    ),
  );
}

/**
 * Packs workspace packages as they would be published (`pnpm pack`: `workspace:` ranges replaced by versions) into
 * `destination`; returns each package's tarball path by name. A package without a build is built first.
 */
export function packWorkspacePackages(names: readonly string[], destination: string): Record<string, string> {
  const dirs = workspacePackageDirs();
  const tarballs: Record<string, string> = {};
  for (const name of names) {
    const dir = dirs.get(name);
    if (!dir) throw new Error(`no workspace package is called ${name}`);
    // turbo builds them before the tests; a run started with `pnpm --filter` may not have.
    if (newestMtime(join(dir, 'src')) > mtimeOf(join(dir, 'dist', 'index.js')))
      execFileSync('pnpm', ['run', 'build'], { cwd: dir, stdio: 'pipe' });
    const out = join(destination, name.replace('/', '+'));
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, stdio: 'pipe' });
    const file = readdirSync(out).find((f) => f.endsWith('.tgz'));
    if (!file) throw new Error(`pnpm pack of ${name} wrote no tarball to ${out}`);
    // Named by content, so npm installs a changed package anew instead of reusing its cached copy.
    const hash = createHash('sha256')
      .update(readFileSync(join(out, file)))
      .digest('hex')
      .slice(0, 12);
    const tarball = join(out, file.replace(/\.tgz$/, `-${hash}.tgz`));
    renameSync(join(out, file), tarball);
    tarballs[name] = tarball;
  }
  return tarballs;
}

function mtimeOf(path: string): number {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

/** The newest modification time of any file under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function workspacePackageDirs(): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const group of ['packages', 'examples', 'tools', 'tests']) {
    const parent = join(REPO_ROOT, group);
    if (!existsSync(parent)) continue;
    for (const entry of readdirSync(parent)) {
      const manifest = join(parent, entry, 'package.json');
      if (existsSync(manifest))
        dirs.set(JSON.parse(readFileSync(manifest, 'utf8')).name, join(parent, entry));
    }
  }
  return dirs;
}

/**
 * The environment of every command a quick start runs: this process's, without what pnpm, vitest and the
 * workspace put there (`npm_*` variables, `NODE_OPTIONS`, the workspace's `node_modules/.bin` on `PATH`), so a
 * project sees only what it installed. npm runs quietly, prefers its cache, and compiles better-sqlite3 against
 * the headers under /usr when they are there (as the repository's `.pnpmfile.cjs` does).
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^(npm_|pnpm_|PNPM_|VITEST|TURBO_|NODE_OPTIONS$|NODE_PATH$|NODE_ENV$|INIT_CWD$|TSX_|__NEXT)/i.test(key)
    )
      continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => !entry.startsWith(REPO_ROOT) && !entry.includes(`${join('node_modules', '.bin')}`))
    .join(delimiter);
  env.HOME ??= tmpdir();
  env.npm_config_audit = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_update_notifier = 'false';
  env.npm_config_prefer_offline = 'true';
  env.NEXT_TELEMETRY_DISABLED = '1';
  if (existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
  return { ...env, ...extra };
}

/** What a finished command printed. */
export interface CommandResult {
  command: string;
  code: number | null;
  output: string;
  ms: number;
}

/** Runs one shell command in `cwd` to completion; rejects with its output when it fails or takes over `timeoutMs`. */
export function runCommand(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv = cleanEnv(),
  timeoutMs = 300_000,
): Promise<CommandResult> {
  const started = Date.now();
  const child = spawn('sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      const result = { command, code, output, ms: Date.now() - started };
      if (code === 0) resolve(result);
      else reject(new Error(`\`${command}\` in ${cwd} exited with ${code}:\n${output}`));
    });
  });
}

/** Signals a detached child's whole process group (the shell and what it started). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * One npm install of every third-party package the quick starts name, shared by their projects: each project
 * starts from a copy of its `node_modules` (so better-sqlite3 compiles once), then runs its own `npm i` as pasted,
 * which adds the `@sess/*` tarballs and removes what that project did not ask for. Kept under {@link WORK_ROOT} by a
 * hash of the specs, Node's and npm's versions, and reused by later runs.
 */
export async function prepareSharedInstall(specs: readonly string[]): Promise<string> {
  const env = cleanEnv();
  const npmVersion = execFileSync('npm', ['--version'], { env, encoding: 'utf8' }).trim();
  const key = createHash('sha256')
    .update(JSON.stringify([specs, process.version, npmVersion, process.platform, process.arch]))
    .digest('hex')
    .slice(0, 16);
  const dir = join(WORK_ROOT, `shared-install-${key}`);
  if (existsSync(join(dir, 'ready'))) return dir;
  mkdirSync(WORK_ROOT, { recursive: true });
  const building = mkdtempSync(join(WORK_ROOT, `shared-install-${key}-building-`));
  await runCommand('npm init -y', building, env);
  await runCommand(`npm install ${specs.join(' ')}`, building, env, 600_000);
  writeFileSync(join(building, 'ready'), `${specs.join('\n')}\n`);
  try {
    renameSync(building, dir);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another run finished first: use its install
  }
  return dir;
}

/** A program a quick start started, still running. */
export interface RunningProgram {
  /** `http://127.0.0.1:PORT`, the port given to it as `PORT`. */
  readonly url: string;
  /** Everything it printed so far. */
  output(): string;
  /** True once every process it started has exited. */
  exited(): boolean;
  /** Sends `signal` to its process group (as Ctrl-C in a terminal does) and resolves once all of it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A quick start, set up in its own folder. */
export interface QuickStartProject {
  /** The project folder (outside the repository). */
  readonly dir: string;
  /** Each `run` command as it finished, in order. */
  readonly commands: CommandResult[];
  /** The program its `start` block started, once it answers (or prints); `undefined` without a `start` block. */
  readonly program: RunningProgram | undefined;
  /** Milliseconds per phase: `setup` (commands and files), `start` (until it answered). */
  readonly timings: { setup: number; start: number };
}

/** Options of {@link setUpQuickStart}. */
export interface SetUpOptions {
  /** Tarball path of each `@sess/*` package, from {@link packWorkspacePackages}. */
  tarballs: Record<string, string>;
  /** A folder from {@link prepareSharedInstall} whose `node_modules` is copied in before the first `npm i`. */
  sharedInstall?: string | undefined;
  /** Files to create before the quick start's own steps (e.g. a database with sessions to clean up). */
  before?: ((dir: string) => void | Promise<void>) | undefined;
  /**
   * When the started program is ready: by default once `http://127.0.0.1:PORT/` answers anything. A program
   * that serves no HTTP (a worker) passes a check of its output.
   */
  ready?: ((program: RunningProgram) => boolean | Promise<boolean>) | undefined;
  /** How long the program may take to be ready. @default 60 s */
  startTimeoutMs?: number | undefined;
  /** Environment for the started program, on top of the clean one and `PORT`. */
  env?: Record<string, string> | undefined;
}

/**
 * Follows a README quick start as a reader would, in a new folder under the system's temporary directory: runs
 * its `run` commands (each `@sess/*` spec replaced by that package's tarball), writes its files, and starts its
 * `start` command on a free port, in document order.
 */
export async function setUpQuickStart(
  quickStart: QuickStart,
  options: SetUpOptions,
): Promise<QuickStartProject> {
  mkdirSync(join(WORK_ROOT, 'projects'), { recursive: true });
  const name = quickStart.readme
    .replace(REPO_ROOT, '')
    .replace(/\/?README\.md$/, '')
    .replace(/[^a-z0-9]+/gi, '-');
  // A lowercase folder name: `npm init -y` names the package after it.
  const dir = join(
    WORK_ROOT,
    'projects',
    `${name.toLowerCase() || 'root'}-${randomBytes(4).toString('hex')}`,
  );
  mkdirSync(dir);
  const env = cleanEnv();
  const commands: CommandResult[] = [];
  let program: RunningProgram | undefined;
  const started = Date.now();
  let setupMs = 0;
  try {
    await options.before?.(dir);
    for (const step of quickStart.steps) {
      if (step.kind === 'file') {
        mkdirSync(dirname(join(dir, step.path)), { recursive: true });
        writeFileSync(join(dir, step.path), step.content);
      } else if (step.kind === 'run') {
        // `a && b` runs as `a`, then `b`: the shared install goes in right before the first `npm i`, not before
        // an `npm init -y` on the same line (which would list every package it finds as a dependency).
        for (const command of step.commands.flatMap((line) => line.split(/\s*&&\s*/))) {
          if (options.sharedInstall && NPM_INSTALL.test(command) && !existsSync(join(dir, 'node_modules')))
            await copySharedInstall(options.sharedInstall, dir);
          commands.push(await runCommand(withTarballs(command, options.tarballs), dir, env));
        }
      } else {
        setupMs = Date.now() - started;
        program = await startProgram(step.command, dir, options);
      }
    }
  } catch (error) {
    await program?.stop('SIGKILL');
    throw new Error(`${quickStart.readme}, "${quickStart.heading}", in ${dir}: ${(error as Error).message}`);
  }
  if (!program) setupMs = Date.now() - started;
  return { dir, commands, program, timings: { setup: setupMs, start: Date.now() - started - setupMs } };
}

/**
 * Puts a copy of the shared `node_modules` into `dir`, as hard links (a real copy of ~9,000 files takes 8 s here,
 * links 1 s). npm never writes into an installed package's files: it removes a package it replaces and extracts the
 * new one into new files, so the shared install stays as it was. The one file it rewrites in place, the hidden
 * lockfile `node_modules/.package-lock.json`, is copied for real.
 */
async function copySharedInstall(sharedInstall: string, dir: string): Promise<void> {
  const from = join(sharedInstall, 'node_modules');
  await runCommand(
    `cp -al ${quote(from)} . && rm node_modules/.package-lock.json && cp ${quote(join(from, '.package-lock.json'))} node_modules/`,
    dir,
  );
}

function withTarballs(command: string, tarballs: Record<string, string>): string {
  return command.replace(SESS_SPEC, (_, name: string) => {
    const tarball = tarballs[`@sess/${name}`];
    if (!tarball) throw new Error(`@sess/${name} was not packed`);
    return quote(tarball);
  });
}

function quote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}

async function startProgram(command: string, dir: string, options: SetUpOptions): Promise<RunningProgram> {
  const port = await freePort();
  const child = spawn('sh', ['-c', command], {
    cwd: dir,
    env: cleanEnv({ PORT: String(port), ...options.env }),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let closed = false;
  const onData = (d: Buffer) => {
    output += d.toString();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  // The pipes close once every process of the group (sh, npx, tsx, node) has exited.
  const done = new Promise<void>((resolve) =>
    child.stdout.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  const program: RunningProgram = {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    exited: () => closed,
    stop: async (signal = 'SIGTERM') => {
      if (closed) return;
      killGroup(child, signal);
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
  const ready = options.ready ?? answersHttp;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await ready(program))) {
    if (closed) throw new Error(`\`${command}\` exited before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      await program.stop('SIGKILL');
      throw new Error(
        `\`${command}\` was not ready within ${options.startTimeoutMs ?? 60_000} ms:\n${output}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return program;
}

async function answersHttp(program: RunningProgram): Promise<boolean> {
  try {
    await fetch(`${program.url}/`, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

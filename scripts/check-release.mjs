// Checks the release that the pending changesets would make, before anyone runs `changeset version`:
//   - no package goes up a major version unless a changeset asks for a major (changesets turns a minor into a major
//     on its own when a package's peerDependency range would no longer match the new version of a workspace package);
//   - a package never released (version 0.0.0) comes out as INITIAL_VERSION.
// Exits 1 with one line per problem. Run by `pnpm check:release` (and CI).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The version every package gets on its first release. */
const INITIAL_VERSION = '0.1.0';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'sess-release-'));
const output = join(dir, 'status.json');
let status;
try {
  try {
    execFileSync(join(root, 'node_modules', '.bin', 'changeset'), ['status', '--output', output], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
    console.error('check-release: `changeset status` failed (see above)');
    process.exit(1);
  }
  status = JSON.parse(readFileSync(output, 'utf8'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const config = JSON.parse(readFileSync(join(root, '.changeset', 'config.json'), 'utf8'));
const matches = (pattern, name) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`).test(name);
/** The packages that version together with `name` (its `fixed` group), itself included. */
const groupOf = (name) => {
  const group = (config.fixed ?? []).find((patterns) => patterns.some((p) => matches(p, name)));
  return (other) => other === name || (group ?? []).some((p) => matches(p, other));
};

/** Packages a changeset explicitly bumps as major. */
const askedMajor = status.changesets.flatMap((c) =>
  c.releases.filter((r) => r.type === 'major').map((r) => r.name),
);

const releases = status.releases.filter((r) => r.type !== 'none');
const problems = [];
for (const r of releases) {
  if (r.type === 'major' && !askedMajor.some(groupOf(r.name))) {
    problems.push(
      `${r.name} would be released as ${r.newVersion} (major), but no changeset asks for a major bump`,
    );
  } else if (r.oldVersion === '0.0.0' && r.newVersion !== INITIAL_VERSION) {
    problems.push(
      `${r.name} was never released and would come out as ${r.newVersion}, not ${INITIAL_VERSION}`,
    );
  }
}

for (const r of releases) console.log(`${r.name}: ${r.oldVersion} -> ${r.newVersion} (${r.type})`);
if (releases.length === 0) console.log('no pending changesets: nothing would be released');
if (problems.length === 0) {
  console.log('check-release: ok');
} else {
  for (const problem of problems) console.error(`check-release: ${problem}`);
  console.error(
    'check-release: changesets makes a major of a minor when a peerDependency range on a workspace package would ' +
      'not match its new version (see onlyUpdatePeerDependentsWhenOutOfRange in .changeset/config.json and the ' +
      "packages' peer ranges on @sess/core); a first release needs a minor changeset",
  );
  process.exit(1);
}

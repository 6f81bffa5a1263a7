/**
 * `pnpm --filter @sess/bench perf:owners <perf.data> [pid]`: where a server's CPU time goes, by owner (sess, Kysely,
 * the SQLite driver, node-postgres, Hono, the kernel's sockets, the rest of Node.js), from a Linux `perf record -g`
 * of a server started with `--perf-basic-prof` (see bench/README.md, "Profiling a server").
 *
 * Each sample goes to the first frame, walking from the innermost outwards, that an owner claims: time in a V8
 * builtin called by sess is sess's, time in the kernel under a better-sqlite3 call (its file locks) is SQLite's,
 * other kernel time is the sockets'. Unlike V8's `--cpu-prof`, this does not charge native time to whichever
 * JavaScript frame happened to be on top.
 */
import { execFileSync } from 'node:child_process';

type Frame = { symbol: string; object: string };

const OWNERS: Array<[string, (frame: Frame) => boolean]> = [
  ['SQLite (better-sqlite3)', (f) => f.object.includes('better_sqlite3')],
  ['sess (@sess/core, @sess/hono)', (f) => /\/packages\/(core|hono)\//.test(f.symbol)],
  ['Kysely', (f) => f.symbol.includes('/kysely@')],
  ['node-postgres', (f) => /\/(pg|pg-protocol|pg-pool)@/.test(f.symbol)],
  ['Hono + @hono/node-server', (f) => /\/(hono|@hono\+node-server)@/.test(f.symbol)],
  ['the benchmark app', (f) => f.symbol.includes('/bench/dist/')],
  ['garbage collector', (f) => /Scavenge|MarkCompact|Heap::CollectGarbage|ConcurrentMarking/.test(f.symbol)],
];
const KERNEL = 'kernel (sockets, loopback TCP, wake-ups)';
const REST = 'rest of Node.js (HTTP parser, streams, event loop, V8)';

function ownerOf(frames: Frame[]): string {
  if (frames[0]?.object.includes('kernel')) {
    return frames.some((f) => f.object.includes('better_sqlite3')) ? 'SQLite (better-sqlite3)' : KERNEL;
  }
  for (const frame of frames) {
    for (const [owner, claims] of OWNERS) if (claims(frame)) return owner;
  }
  return REST;
}

const [file, pid] = process.argv.slice(2);
if (!file) {
  console.error('usage: perf-owners <perf.data> [pid]');
  process.exit(2);
}
const script = execFileSync('perf', ['script', '-i', file, '-F', 'pid,ip,sym,dso'], {
  encoding: 'utf8',
  maxBuffer: 1 << 30,
  stdio: ['ignore', 'pipe', 'ignore'],
});
const counts = new Map<string, number>();
let total = 0;
for (const block of script.split('\n\n')) {
  const lines = block.split('\n').filter((line) => line.trim() !== '');
  const header = lines.shift();
  if (header === undefined || (pid !== undefined && header.trim().split(/\s+/)[0] !== pid)) continue;
  const frames = lines.flatMap((line) => {
    const m = /^\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$/.exec(line);
    return m ? [{ symbol: m[1] ?? '', object: m[2] ?? '' }] : [];
  });
  const owner = ownerOf(frames);
  counts.set(owner, (counts.get(owner) ?? 0) + 1);
  total++;
}
if (total === 0) {
  console.error(`no samples in ${file}${pid ? ` for pid ${pid}` : ''}`);
  process.exit(1);
}
console.log('| owner | share of samples |\n| --- | ---: |');
for (const [owner, n] of [...counts].sort((a, b) => b[1] - a[1])) {
  console.log(`| ${owner} | ${((100 * n) / total).toFixed(1)}% |`);
}
console.log(`\n${total} samples`);

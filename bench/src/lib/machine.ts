import { readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import Database from 'better-sqlite3';
import pg from 'pg';

/** What the figures were measured on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  postgres: string;
  postgresFsync: string;
  postgresSyncCommit: string;
  sqlite: string;
  packages: Record<string, string>;
}

const PACKAGES = [
  '@sess/core',
  '@sess/hono',
  'hono',
  '@hono/node-server',
  'kysely',
  'pg',
  'better-sqlite3',
  'express',
  'express-session',
  'connect-pg-simple',
  'better-auth',
  'autocannon',
];

function packageVersion(name: string): string {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Reads the CPU, Node, database and package versions. */
export async function machineInfo(postgresUrl: string): Promise<MachineInfo> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const setting = async (name: string) =>
      ((await client.query(`show ${name}`)).rows[0] as Record<string, string>)[name] ?? '?';
    const sqlite = new Database(':memory:');
    const sqliteVersion = (sqlite.prepare('select sqlite_version() as v').get() as { v: string }).v;
    sqlite.close();
    return {
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
      kernel: `${os.type()} ${os.release()}`,
      node: process.version,
      postgres: await setting('server_version'),
      postgresFsync: await setting('fsync'),
      postgresSyncCommit: await setting('synchronous_commit'),
      sqlite: sqliteVersion,
      packages: Object.fromEntries(PACKAGES.map((p) => [p, packageVersion(p)])),
    };
  } finally {
    await client.end();
  }
}

/** CPU seconds (user + system) used so far by each PostgreSQL server process on this machine, by pid, from /proc. */
export function postgresCpu(): Map<number, number> {
  const tick = 100; // USER_HZ on Linux
  const byPid = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return byPid;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      if (!name.startsWith('postgres')) continue;
      const fields = stat.slice(close + 2).split(' ');
      // fields[0] is the state (field 3 of stat); utime and stime are fields 14 and 15.
      byPid.set(Number(pid), (Number(fields[11]) + Number(fields[12])) / tick);
    } catch {
      // the process ended meanwhile
    }
  }
  return byPid;
}

/**
 * PostgreSQL CPU seconds between two {@link postgresCpu} readings: the growth of the processes seen twice plus all
 * of the ones that started in between (a backend that ended in between is lost, so this is a lower bound).
 */
export function postgresCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** Busy CPU seconds of the whole machine so far (all cores; idle and I/O wait excluded), from /proc/stat. */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, ...values] = line.trim().split(/\s+/);
    const n = values.map(Number);
    const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (n[3] ?? 0) + (n[4] ?? 0);
    return (total - idle) / 100;
  } catch {
    return Number.NaN;
  }
}

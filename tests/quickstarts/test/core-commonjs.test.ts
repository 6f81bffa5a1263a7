import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateToLatest } from '@sess/core';
import { seedExpiredSessions } from '@sess/test-kit';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../src/index.js';
import { quickStart } from './quick-starts.js';
import { useQuickStart } from './support/use-quick-start.js';

describe('packages/core: using sess from CommonJS', () => {
  const project = useQuickStart('core-commonjs', {
    before: async (dir) => {
      const db = new Kysely<any>({
        dialect: new SqliteDialect({ database: new Database(join(dir, 'app.sqlite')) }),
      });
      await migrateToLatest(db);
      await seedExpiredSessions(db, { count: 2 });
      await db.destroy();
    },
  });

  it('is a "type": "commonjs" project that type-checks (tsc) and runs the snippet', () => {
    const { commands, dir } = project();
    expect(commands.some((c) => /^npm init -y\b/.test(c.command))).toBe(true);
    expect(commands.some((c) => /npm pkg set type=/.test(c.command))).toBe(false);
    expect(commands.some((c) => /^npx tsc$/.test(c.command))).toBe(true); // type-checks, then compiles
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toMatch(/"type": "commonjs"/);
    expect(readFileSync(join(dir, 'cleanup.js'), 'utf8')).toMatch(/require\("better-sqlite3"\)/);
    expect(commands.at(-1)?.output).toContain('deleted 2 expired sessions');
  });

  it('is needed: the ES module quick start does not type-check there (top-level await, two Kysely types)', async () => {
    const { dir } = project();
    const esm = quickStart('core').steps.find((s) => s.kind === 'file' && s.path.endsWith('.ts'));
    if (esm?.kind !== 'file') throw new Error('the core quick start has no .ts file');
    mkdirSync(join(dir, 'esm-quick-start'));
    writeFileSync(join(dir, 'esm-quick-start', 'server.ts'), esm.content);
    writeFileSync(
      join(dir, 'esm-quick-start', 'tsconfig.json'),
      JSON.stringify({
        extends: '../tsconfig.json',
        compilerOptions: { noEmit: true },
        include: ['server.ts'],
      }),
    );
    const error = await runCommand('npx tsc -p esm-quick-start', dir).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(error).toMatch(/TS1309/); // top-level await in a CommonJS module
    expect(error).toMatch(/TS2345[^\n]*Kysely/); // the app's Kysely (CommonJS build) is not sess's (ES module build)
  });
});

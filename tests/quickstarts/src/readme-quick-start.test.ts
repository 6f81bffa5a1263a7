import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readQuickStart } from './readme-quick-start.js';

function readme(markdown: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'readme-quick-start-')), 'README.md');
  writeFileSync(file, markdown);
  return file;
}

const README = `# pkg

\`\`\`ts title="elsewhere.ts"
// not under the heading
\`\`\`

## Quick start

In an empty folder:

\`\`\`sh run
npm init -y && npm pkg set type=module  # ES modules
npm i @sess/core \\
  kysely@0.28
\`\`\`

\`\`\`ts title="src/server.ts"
const hash = '#not a comment';
\`\`\`

\`\`\`\`md title="notes.md"
\`\`\`ts
nested fence
\`\`\`
\`\`\`\`

\`\`\`sh start
npx tsx src/server.ts
\`\`\`

\`\`\`sh
curl localhost:3000/me   # prose: not run
\`\`\`

### Using it from CommonJS

\`\`\`json title="tsconfig.json"
{}
\`\`\`

## Options
`;

describe('readQuickStart', () => {
  it('returns the marked blocks directly under the heading, in document order', () => {
    const quickStart = readQuickStart(readme(README));
    expect(quickStart.steps).toEqual([
      { kind: 'run', commands: ['npm init -y && npm pkg set type=module', 'npm i @sess/core kysely@0.28'] },
      { kind: 'file', path: 'src/server.ts', content: "const hash = '#not a comment';\n" },
      { kind: 'file', path: 'notes.md', content: '```ts\nnested fence\n```\n' },
      { kind: 'start', command: 'npx tsx src/server.ts' },
    ]);
  });

  it('reads a sub-heading on its own', () => {
    expect(readQuickStart(readme(README), 'Using it from CommonJS').steps).toEqual([
      { kind: 'file', path: 'tsconfig.json', content: '{}\n' },
    ]);
  });

  it('fails loudly when the heading is missing or has no marked block', () => {
    expect(() => readQuickStart(readme('# pkg\n'))).toThrow(/has no "Quick start" heading/);
    expect(() => readQuickStart(readme('## Quick start\n\n```ts\nconst x = 1;\n```\n'))).toThrow(
      /no marked code block/,
    );
  });
});

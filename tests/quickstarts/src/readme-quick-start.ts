import { readFileSync } from 'node:fs';

/** One step of a README quick start, in the order a reader meets it. */
export type QuickStartStep =
  /** A ```` ```ts title="server.ts" ```` block: a file to create at `path` (relative to the project folder). */
  | { kind: 'file'; path: string; content: string }
  /** A ```` ```sh run ```` block: commands to run one after the other, each to completion. */
  | { kind: 'run'; commands: string[] }
  /** A ```` ```sh start ```` block: the one command that starts the program and keeps running. */
  | { kind: 'start'; command: string };

/** The quick start under one heading of a README. */
export interface QuickStart {
  /** The README it comes from. */
  readme: string;
  /** The heading it sits under. */
  heading: string;
  /** Its steps, in document order. */
  steps: QuickStartStep[];
}

/** A fenced code block: its info string split into language and attributes, and its text. */
interface CodeBlock {
  lang: string;
  words: string[];
  attributes: Record<string, string>;
  content: string;
}

/**
 * Reads the quick start under `heading` (default `Quick start`) of a README: the marked code blocks that sit directly
 * under that heading, up to the next heading of any level. Marks, in the fence's info string:
 *
 * - `title="path"`: a file to create (```` ```ts title="server.ts" ````, ```` ```json title="tsconfig.json" ````);
 * - `run`: shell commands, one per line (`\` continues a line, `#` starts a comment), each run to completion
 *   (```` ```sh run ````);
 * - `start`: one shell command that starts the program and keeps it running (```` ```sh start ````).
 *
 * Blocks without a mark (curl examples, output) are prose and not returned. Throws when the heading is missing or
 * has no marked block, naming the README, so a quick start that lost its marks fails loudly.
 *
 * @example
 * ```ts
 * const quickStart = readQuickStart('packages/hono/README.md');
 * quickStart.steps; // [{ kind: 'run', commands: ['npm init -y', …] }, { kind: 'file', path: 'server.ts', … }, …]
 * ```
 */
export function readQuickStart(readme: string, heading = 'Quick start'): QuickStart {
  const blocks = codeBlocksUnder(readFileSync(readme, 'utf8'), heading);
  if (blocks === undefined) throw new Error(`${readme} has no "${heading}" heading`);
  const steps: QuickStartStep[] = [];
  for (const block of blocks) {
    const title = block.attributes.title;
    if (title !== undefined) {
      steps.push({ kind: 'file', path: title, content: block.content });
    } else if (block.words.includes('run')) {
      steps.push({ kind: 'run', commands: shellLines(block.content) });
    } else if (block.words.includes('start')) {
      const commands = shellLines(block.content);
      if (commands.length !== 1 || commands[0] === undefined)
        throw new Error(`${readme}, "${heading}": a start block holds exactly one command`);
      steps.push({ kind: 'start', command: commands[0] });
    }
  }
  if (steps.length === 0)
    throw new Error(
      `${readme}, "${heading}": no marked code block (\`\`\`ts title="server.ts", \`\`\`sh run, \`\`\`sh start); ` +
        'see tests/quickstarts/README.md',
    );
  return { readme, heading, steps };
}

/** The fenced code blocks directly under `heading`, or `undefined` when the README has no such heading. */
function codeBlocksUnder(markdown: string, heading: string): CodeBlock[] | undefined {
  const lines = markdown.split(/\r?\n/);
  let inSection = false;
  let found = false;
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fence = /^( {0,3})(`{3,}|~{3,})(.*)$/.exec(line);
    if (fence) {
      const [, indent = '', marker = '', info = ''] = fence;
      const body: string[] = [];
      for (i++; i < lines.length; i++) {
        const inner = lines[i] ?? '';
        const closer = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(inner)?.[1];
        if (closer && closer[0] === marker[0] && closer.length >= marker.length) break;
        body.push(inner.startsWith(indent) ? inner.slice(indent.length) : inner.trimStart());
      }
      if (inSection) blocks.push({ ...parseInfo(info), content: `${body.join('\n')}\n` });
      continue;
    }
    const atx = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (atx) {
      inSection = atx[1] === heading;
      found ||= inSection;
    }
  }
  return found ? blocks : undefined;
}

/** `ts title="server.ts"` → language `ts`, attribute `title`; bare words (`run`, `start`) kept as words. */
function parseInfo(info: string): Omit<CodeBlock, 'content'> {
  const attributes: Record<string, string> = {};
  const rest = info.replace(
    /([\w-]+)=(?:"([^"]*)"|'([^']*)'|(\S+))/g,
    (_, key: string, a?: string, b?: string, c?: string) => {
      attributes[key] = a ?? b ?? c ?? '';
      return ' ';
    },
  );
  const [lang = '', ...words] = rest.trim().split(/\s+/);
  return { lang, words, attributes };
}

/** A shell block's commands: `\`-continued lines joined, comments and blank lines dropped. */
function shellLines(content: string): string[] {
  const commands: string[] = [];
  let pending = '';
  for (const raw of content.split('\n')) {
    const line = raw.replace(/^\s*\$\s+/, '').trim();
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trimEnd()} `;
      continue;
    }
    const command = stripComment(pending + line).trim();
    pending = '';
    if (command) commands.push(command);
  }
  return commands;
}

/** Drops a `#` comment that starts a line or follows a space, outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) {
      return line.slice(0, i);
    }
  }
  return line;
}

#!/usr/bin/env node
import { run } from './main.js';

// Output piped into a reader that stops early (`sess migrate --print-sql | head`): stop quietly, like other tools.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await run(process.argv.slice(2));

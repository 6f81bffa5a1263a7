// Sums the vitest JSON reports that every package writes to test-results/ and prints one closing line.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('../test-results/', import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
let files = [];
try {
  files = readdirSync(dir).filter((f) => f.endsWith('.json'));
} catch {}
/**
 * The suites of a report when it has a few (a runtime × database cell each, e.g. "Bun + bun:sqlite"): its top-level
 * describe blocks with their passed/failed counts.
 */
function cells(report) {
  const counts = new Map();
  for (const file of report.testResults) {
    for (const test of file.assertionResults) {
      const name = test.ancestorTitles[0] ?? '';
      const count = counts.get(name) ?? { passed: 0, failed: 0 };
      if (test.status === 'passed') count.passed++;
      if (test.status === 'failed') count.failed++;
      counts.set(name, count);
    }
  }
  if (counts.size < 2 || counts.size > 8 || counts.has('')) return '';
  const parts = [...counts].map(
    ([name, c]) => `${name}: ${c.passed} passed${c.failed ? `, ${c.failed} failed` : ''}`,
  );
  return ` (${parts.join('; ')})`;
}

for (const file of files) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numFailedTestSuites ?? 0);
  skipped += report.numPendingTests + report.numTodoTests;
  console.log(
    `${file.replace(/\.json$/, '')}: ${report.numPassedTests} passed, ${report.numFailedTests} failed${cells(report)}`,
  );
}
if (files.length === 0) {
  console.log('no test report found');
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);

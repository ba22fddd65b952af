#!/usr/bin/env node
// Prints vitest's JSON report as the one line CI reads: "N passed, N failed, N skipped".
// Exits non-zero when a test or a test file failed, or when no test ran at all.
import { readFileSync } from 'node:fs';

let report;
try {
  report = JSON.parse(readFileSync(process.argv[2] ?? '.ci/out/vitest.json', 'utf8'));
} catch (e) {
  console.error(`no vitest report: ${e.message}`);
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
}
const passed = report.numPassedTests;
let failed = report.numFailedTests;
// A test file that fails to load has no failed test of its own: count it.
if (!report.success && failed === 0) failed = Math.max(1, report.numFailedTestSuites);
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(passed > 0 && failed === 0 ? 0 : 1);

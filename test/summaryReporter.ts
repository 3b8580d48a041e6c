// Ends the run with one plain line, "Tests: N passed, N failed, N skipped", that CI reads. A file
// that fails outside any test (an import error, a failing hook) is named on a line of its own
// above it: it is not a failed test, and its tests are counted as what they were.
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    const brokenFiles: string[] = [];
    for (const module of testModules) {
      const before = counts.failed;
      for (const test of module.children.allTests()) counts[test.result().state] += 1;
      if (module.state() === 'failed' && counts.failed === before) brokenFiles.push(relative(process.cwd(), module.moduleId));
    }
    if (brokenFiles.length) process.stdout.write(`\nFiles failed outside any test: ${brokenFiles.length} (${brokenFiles.join(', ')})`);
    process.stdout.write(`\nTests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}

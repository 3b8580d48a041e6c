import { defineConfig } from 'vitest/config';

// oidc-provider warns about Node 20 each time a test file imports it: once is enough.
const RUNTIME_WARNING = 'oidc-provider WARNING: Unsupported runtime';
let runtimeWarningShown = false;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['./test/setup/globalSetup.ts'],
    onConsoleLog(log) {
      if (!log.includes(RUNTIME_WARNING)) return undefined;
      if (runtimeWarningShown) return false;
      runtimeWarningShown = true;
      return undefined;
    },
    reporters: ['default', './test/summaryReporter.ts'],
  },
});

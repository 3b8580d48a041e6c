import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A poll waits for what another process does (Chromium, its service worker, a second server);
    // vitest's 1 s default is shorter than such a step takes on a busy 2-core CI machine.
    expect: { poll: { timeout: 10_000 } },
    globalSetup: ['./test/setup/globalSetup.ts'],
    reporters: ['default', './test/summaryReporter.ts'],
  },
});

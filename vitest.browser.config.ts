import { defineConfig } from 'vitest/config';

/** The browser suite (`scripts/ci-browser.sh`): Debian Chromium through playwright-core, one file at a time. */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default'],
  },
});

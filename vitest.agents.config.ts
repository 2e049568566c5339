import { defineConfig } from 'vitest/config';

/** The agent end-to-end suites (test/agents/), run by scripts/ci-agents.sh once it has installed the agents. */
export default defineConfig({
  test: {
    include: ['test/agents/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default'],
  },
});

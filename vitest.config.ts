import { defineConfig } from 'vitest/config';

// Three layers with their own time budgets: pure functions, real Nix and git, the built CLI and hooks.
export default defineConfig({
  test: {
    env: { NO_COLOR: '1' },
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 10_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      { test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 } },
    ],
  },
});

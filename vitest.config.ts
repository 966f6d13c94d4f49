import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure logic, parallel, no root needed) and `e2e`
// (real processes in network namespaces: root, one file at a time so that
// timing measurements are not disturbed by other namespaces' traffic).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          pool: 'forks',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          pool: 'forks',
          // One file at a time (per-project fileParallelism is not allowed; a single fork is).
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 120_000,
          hookTimeout: 120_000,
          globalSetup: ['test/helpers/e2e-global-setup.ts'],
        },
      },
    ],
  },
});

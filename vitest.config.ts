import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure logic, parallel, no root needed) and `e2e`
// (real processes in network namespaces: root). e2e files run two at a time,
// one per core: each file builds its own namespaces (named after its pid), so
// they share nothing but the CPUs, and every bound in them is a correctness
// bound with the margin of a loaded machine (tight figures are in
// `npm run bench`, which runs one thing at a time).
export default defineConfig({
  test: {
    // Two forks: one per core of the 2-core machines this runs on (unit and e2e alike).
    poolOptions: { forks: { minForks: 1, maxForks: 2 } },
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
          // Two files at a time: the forks limit below (a project may not set its own).
          poolOptions: { forks: { singleFork: false } },
          testTimeout: 120_000,
          hookTimeout: 120_000,
          globalSetup: ['test/helpers/e2e-global-setup.ts'],
        },
      },
    ],
  },
});

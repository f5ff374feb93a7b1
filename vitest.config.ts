import { defineConfig } from 'vitest/config';

// One root config: tests live next to the code they test (`*.test.ts`).
export default defineConfig({
  test: {
    include: [
      'libs/*/src/**/*.test.ts',
      'tools/*/src/**/*.test.ts',
      'scripts/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

import { defineConfig } from 'vitest/config';

// `npm run bench -- engine` runs bench/engine.bench.ts (vitest filters files by the positional
// argument). Benchmarks are ordinary vitest files so WGSL `?raw` imports work as in the app.
export default defineConfig({
  test: {
    include: ['bench/**/*.bench.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 3_600_000,
    hookTimeout: 600_000,
    reporters: ['default'],
  },
});

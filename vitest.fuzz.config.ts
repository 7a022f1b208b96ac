/**
 * The fuzz suite (`npm run fuzz`): test/fuzz/**\/*.fuzz.ts only, so `npm test` never runs it.
 * One fork with --expose-gc, so the memory check can collect garbage before it measures; files one after
 * the other, within the time budget of test/fuzz/budget.ts (FUZZ_RUNS, FUZZ_SEED), which also sets each
 * property's timeout.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/fuzz/**/*.fuzz.ts'],
    pool: 'forks',
    execArgv: ['--expose-gc'],
    fileParallelism: false,
    testTimeout: 110_000,
    hookTimeout: 60_000,
  },
});

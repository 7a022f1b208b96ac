/**
 * The fuzz suite (`npm run fuzz`): test/fuzz/**\/*.fuzz.ts only, so `npm test` never runs it.
 * One fork with --expose-gc, so the memory check can collect garbage before it measures.
 * FUZZ_RUNS scales the number of generated cases; FUZZ_SEED replays a run (fast-check prints the seed).
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

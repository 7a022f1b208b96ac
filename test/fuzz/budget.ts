/**
 * How much the fuzz suite runs, and the guarantee that it ran that much.
 *
 * FUZZ_RUNS (default 1000) scales the number of generated cases; FUZZ_SEED replays a run (a failure prints
 * its seed). Each property has a target number of cases and a share of FUZZ_SECONDS (100 s at the default,
 * scaled up with FUZZ_RUNS above 1000), shrinking included, so a whole run stays under two minutes on a
 * 2-core machine however busy it is. A property its share stops before half its target fails, with the
 * numbers: a slow or busy machine gives a clear failure, never a quietly thinner run.
 */
import fc from 'fast-check';

export const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS) || 1000);
export const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const SECONDS = 100 * Math.max(1, RUNS / 1000);
/** Below this share of its target a property fails. */
const FLOOR = 0.5;

/** Each property's share of FUZZ_SECONDS, across every fuzz file (they add up to 1). */
const SHARES = {
  structured: 0.18,
  deep: 0.12,
  pollution: 0.06,
  'signed forgeries': 0.06,
  wire: 0.16,
  'control plane': 0.06,
  'management api': 0.06,
  'forged tokens': 0.2,
  'browser login': 0.1,
} as const;
export type PropertyName = keyof typeof SHARES;

/** What each property ran, for the summary lines. */
export const ran = new Map<PropertyName, { cases: number; target: number; seconds: number }>();

/** A vitest timeout for the test that runs `name`: its share, plus room for the run in flight and the report. */
export const timeoutFor = (name: PropertyName) => SHARES[name] * SECONDS * 1000 + 30_000;

/** Runs `property` for `target` cases within its share of the budget; fails on a counterexample or too few cases. */
export async function runProperty<Ts extends [unknown, ...unknown[]]>(name: PropertyName, property: fc.IAsyncProperty<Ts>, target: number): Promise<number> {
  const numRuns = Math.max(1, Math.round(target));
  const limit = SHARES[name] * SECONDS * 1000;
  const started = performance.now();
  const details = await fc.check(property, {
    numRuns,
    interruptAfterTimeLimit: limit,
    markInterruptAsFailure: false,
    ...(SEED === undefined ? {} : { seed: SEED }),
  });
  ran.set(name, { cases: details.numRuns, target: numRuns, seconds: (performance.now() - started) / 1000 });
  // Stopped by the time limit before any case finished, fast-check reports a failure with no counterexample.
  const starved = details.interrupted && details.counterexample === null;
  if (details.failed && !starved) {
    const error = details.errorInstance;
    throw new Error(`${name}: ${fc.defaultReportMessage(details)}\nGot error: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const floor = Math.ceil(numRuns * FLOOR);
  if (details.numRuns < floor) {
    throw new Error(
      `${name}: only ${details.numRuns} of ${numRuns} cases ran within its ${limit / 1000} s share (${floor} at least): ` +
        `the machine is too slow or too busy for FUZZ_RUNS=${RUNS}. Run the fuzz suite alone, or lower FUZZ_RUNS.`,
    );
  }
  return details.numRuns;
}

/** One line per property: cases run of the target, and the time taken. */
export function summary(): string {
  return [...ran].map(([name, r]) => `${name} ${r.cases}/${r.target} in ${r.seconds.toFixed(1)} s`).join('; ');
}

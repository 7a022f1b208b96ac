/**
 * Benchmark runner (not a test: `npm test` never runs it). `npm run bench` builds first, then runs this.
 *
 *   node bench/run.js [--json] [--out FILE] [--quick] [--only http,startup,scale,reload] [--seconds S] [--rounds N]
 *                     [--runs 30] [--warmup 3] [--save inplace|rename] [--timeout 600]
 *   node bench/run.js --only profile [--seconds S]     (opt-in: CPU profile of the emulator under load)
 *
 * Each benchmark is a module in bench/ exporting `async function run(options)` that resolves to a result:
 *   { name, title, pass, columns: [key, header][], rows: object[], targets?: Target[], notes?: string[], details?: object }
 * where a Target is { id, label, value, measured, threshold, pass }. The runner prints a table per benchmark
 * and one of its targets (stdout), or with --json one JSON object (stdout) and nothing else there; progress
 * goes to stderr. A missed target is reported as FAIL and still exits 0; only a crash (or the overall time
 * limit, or Ctrl-C) exits non-zero. docs/benchmarks.md documents the JSON fields.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

/**
 * @typedef {object} Target
 * @property {string} id
 * @property {string} label
 * @property {string} value
 * @property {number | null} measured
 * @property {string} threshold
 * @property {boolean} pass
 */

/**
 * @typedef {object} BenchResult
 * @property {string} name
 * @property {string} title
 * @property {boolean} pass
 * @property {[string, string][]} columns
 * @property {Record<string, unknown>[]} rows
 * @property {Target[]} [targets]
 * @property {string[]} [notes]
 * @property {unknown} [details]
 */

/**
 * @typedef {object} BenchOptions
 * @property {number} [runs]
 * @property {number} [warmup]
 * @property {'inplace' | 'rename'} [save]
 * @property {number} [seconds] per autocannon measurement
 * @property {number} [rounds] interleaved rounds of the compared measurements
 * @property {number} [warmupSeconds]
 * @property {number} [repeats] process starts per start-up case
 * @property {boolean} [quick]
 * @property {AbortSignal} [signal]
 * @property {(line: string) => void} [progress]
 */

/** Why the run was stopped from outside (Ctrl-C, SIGTERM, --timeout), and the exit code that goes with it. */
class Stopped extends Error {
  /** @param {string} message @param {number} exitCode */
  constructor(message, exitCode) {
    super(message);
    this.exitCode = exitCode;
  }
}
const stop = new AbortController();

/**
 * In the order they run. `optIn` ones run only when named in --only.
 * @type {{ name: string, optIn?: boolean, load: () => Promise<{ run: (options: BenchOptions) => Promise<BenchResult> }> }[]}
 */
const BENCHMARKS = [
  { name: 'http', load: () => import('./http.js') },
  { name: 'startup', load: () => import('./startup.js') },
  { name: 'scale', load: () => import('./scale.js') },
  { name: 'reload', load: () => import('./reload.js') },
  { name: 'profile', optIn: true, load: () => import('./profile.js') },
];

const USAGE = `usage: node bench/run.js [--json] [--out FILE] [--quick] [--only ${BENCHMARKS.map((b) => b.name).join(',')}] [--seconds S] [--rounds N] [--runs N] [--warmup N] [--save inplace|rename] [--timeout SECONDS]
  --json       print the report as one JSON object instead of tables; --out FILE also writes it to FILE
  --quick      shorter measurements, one round, fewer repetitions (under half the time; noisier)
  --seconds S  length of each autocannon measurement (default 3; 1.5 with --quick)
  --rounds N   interleaved rounds of the measurements a target compares (default 3; 1 with --quick)
  --runs N     reload: measured edits per case (default 30; 10 with --quick); --warmup N: warm-up edits
  --only LIST  ${BENCHMARKS.filter((b) => !b.optIn).map((b) => b.name).join(', ')} run by default; profile only when named`;

/**
 * @param {string | undefined} value
 * @param {string} flag
 * @param {number} min
 */
function numberOption(value, flag, min) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) usageError(`${flag} expects a number ≥ ${min}, got ${value}`);
  return n;
}

/**
 * @param {string | undefined} value
 * @param {string} flag
 * @param {number} min
 */
function intOption(value, flag, min) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) usageError(`${flag} expects an integer ≥ ${min}, got ${value}`);
  return n;
}

/** @param {string} message @returns {never} */
function usageError(message) {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

/**
 * A plain text table: numbers (and number-like cells) right-aligned.
 * @param {[string, string][]} columns
 * @param {Record<string, unknown>[]} rows
 */
function table(columns, rows) {
  const cells = rows.map((row) => columns.map(([key]) => (row[key] === undefined || row[key] === null ? '' : String(row[key]))));
  const widths = columns.map(([, header], i) => Math.max(header.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = columns.map((_, i) => cells.every((r) => /^[<≥\d.,—\s%×]*(ms|KB|MB| s)?$/.test(r[i] ?? '')));
  /** @param {string[]} r */
  const line = (r) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(columns.map(([, h]) => h)), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** @type {[string, string][]} */
const TARGET_COLUMNS = [
  ['label', 'target'],
  ['value', 'measured'],
  ['threshold', 'needs'],
  ['result', 'result'],
];

/** @param {Target} t */
const targetRow = (t) => ({ label: t.label, value: t.value, threshold: t.threshold, result: t.pass ? 'PASS' : 'FAIL' });

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        json: { type: 'boolean', default: false },
        out: { type: 'string' },
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        seconds: { type: 'string' },
        rounds: { type: 'string' },
        runs: { type: 'string' },
        warmup: { type: 'string' },
        save: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    return usageError(err instanceof Error ? err.message : String(err));
  }
  const args = parsed.values;
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const only = args.only ? args.only.split(',').map((s) => s.trim()) : BENCHMARKS.filter((b) => !b.optIn).map((b) => b.name);
  const unknown = only.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length) usageError(`unknown benchmark ${unknown.join(', ')}`);
  if (args.save !== undefined && args.save !== 'inplace' && args.save !== 'rename') usageError(`--save expects inplace or rename, got ${args.save}`);
  const timeoutSeconds = intOption(args.timeout, '--timeout', 1) ?? 600;

  // Ctrl-C and the overall time limit both abort the benchmark, which then cleans up its temp folders.
  // (A plain timer rather than AbortSignal.timeout: combined with AbortSignal.any, Node 20 may collect
  // the timeout signal and never fire it.)
  process.once('SIGINT', () => stop.abort(new Stopped('interrupted', 130)));
  process.once('SIGTERM', () => stop.abort(new Stopped('terminated', 143)));
  setTimeout(() => stop.abort(new Stopped(`the overall time limit of ${timeoutSeconds} s was reached (--timeout)`, 1)), timeoutSeconds * 1000).unref();
  const signal = stop.signal;
  // Should something not listen to the signal, do not hang after a stop either.
  signal.addEventListener('abort', () => {
    const reason = /** @type {Stopped} */ (signal.reason);
    setTimeout(() => {
      process.stderr.write(`bench stopped: ${reason.message} (forced after 15 s)\n`);
      process.exit(reason.exitCode);
    }, 15_000).unref();
  });

  const quick = args.quick ?? false;
  const seconds = numberOption(args.seconds, '--seconds', 0.5);
  const rounds = intOption(args.rounds, '--rounds', 1);
  /** @type {BenchOptions} */
  const options = {
    runs: intOption(args.runs, '--runs', 1) ?? (quick ? 10 : undefined),
    warmup: intOption(args.warmup, '--warmup', 0) ?? (quick ? 2 : undefined),
    save: /** @type {'inplace' | 'rename' | undefined} */ (args.save),
    seconds: seconds ?? (quick ? 1.5 : undefined),
    rounds: rounds ?? (quick ? 1 : undefined),
    warmupSeconds: quick ? 0.5 : undefined,
    repeats: quick ? 3 : undefined,
    quick,
    signal,
    progress: (line) => process.stderr.write(`${line}\n`),
  };
  const runStarted = performance.now();

  /** @type {BenchResult[]} */
  const results = [];
  for (const bench of BENCHMARKS.filter((b) => only.includes(b.name))) {
    const { run } = await bench.load();
    const started = performance.now();
    const result = await run(options);
    options.progress?.(`${bench.name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    results.push(result);
  }

  const pass = results.every((r) => r.pass);
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const report = {
    package: `${pkg.name}@${pkg.version}`,
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    quick,
    seconds: Math.round((performance.now() - runStarted) / 100) / 10,
    pass,
    targets: results.flatMap((r) => (r.targets ?? []).map((t) => ({ benchmark: r.name, ...t }))),
    benchmarks: Object.fromEntries(results.map((r) => [r.name, r])),
  };
  if (args.out) writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const r of results) {
      process.stdout.write(`\n${r.title}\n\n${table(r.columns, r.rows)}\n`);
      if (r.targets?.length) process.stdout.write(`\n${table(TARGET_COLUMNS, r.targets.map(targetRow))}\n`);
      if (r.notes?.length) process.stdout.write(`\n${r.notes.map((n) => `  - ${n}`).join('\n')}\n`);
    }
    const targets = results.flatMap((r) => r.targets ?? []);
    const targetLine = targets.length ? `; ${targets.filter((t) => t.pass).length}/${targets.length} targets` : '';
    process.stdout.write(
      `\n${pass ? 'PASS' : 'FAIL'}: ${results.filter((r) => r.pass).length}/${results.length} benchmark(s) met their targets${targetLine} (${((performance.now() - runStarted) / 1000).toFixed(0)} s)\n`,
    );
  }
  return 0;
}

let settled = false;
process.on('exit', (code) => {
  // The event loop ran dry while a benchmark still waited on something: that is a crash, not a pass.
  if (!settled && code === 0) {
    process.stderr.write('bench crashed: it ended before the benchmarks finished\n');
    process.exitCode = 1;
  }
});

main().then(
  (code) => {
    settled = true;
    process.exitCode = code;
    // Everything is closed by now; should a handle linger anyway, do not hang.
    setTimeout(() => {
      process.stderr.write('bench: a handle was left open; exiting\n');
      process.exit(code);
    }, 2_000).unref();
  },
  (err) => {
    settled = true;
    // An abort surfaces as whatever the interrupted operation threw (often a generic AbortError): say why.
    const reason = stop.signal.aborted ? stop.signal.reason : undefined;
    if (reason instanceof Stopped) {
      process.stderr.write(`bench stopped: ${reason.message}\n`);
      process.exit(reason.exitCode);
    }
    process.stderr.write(`bench crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);

/**
 * Benchmark runner (not a test: `npm test` never runs it). `npm run bench` builds first, then runs this.
 *
 *   node bench/run.js [--json] [--only reload] [--runs 30] [--warmup 3] [--save inplace|rename] [--timeout 600]
 *
 * Each benchmark is a module in bench/ exporting `async function run(options)` that resolves to a result:
 *   { name, title, pass, columns: [key, header][], rows: object[], notes?: string[], details?: object }
 * The runner prints a table per benchmark (stdout), or with --json one JSON object (stdout) and nothing
 * else there; progress goes to stderr. A missed target is reported as FAIL and still exits 0; only a crash
 * (or the overall time limit, or Ctrl-C) exits non-zero.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

/**
 * @typedef {object} BenchResult
 * @property {string} name
 * @property {string} title
 * @property {boolean} pass
 * @property {[string, string][]} columns
 * @property {Record<string, unknown>[]} rows
 * @property {string[]} [notes]
 * @property {unknown} [details]
 */

/**
 * @typedef {object} BenchOptions
 * @property {number} [runs]
 * @property {number} [warmup]
 * @property {'inplace' | 'rename'} [save]
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

/** @type {{ name: string, load: () => Promise<{ run: (options: BenchOptions) => Promise<BenchResult> }> }[]} */
const BENCHMARKS = [{ name: 'reload', load: () => import('./reload.js') }];

const USAGE = `usage: node bench/run.js [--json] [--only ${BENCHMARKS.map((b) => b.name).join(',')}] [--runs N] [--warmup N] [--save inplace|rename] [--timeout SECONDS]`;

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
  const numeric = columns.map((_, i) => cells.every((r) => /^[<\d.,—\s]*(ms|KB|MB)?$/.test(r[i] ?? '')));
  /** @param {string[]} r */
  const line = (r) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(columns.map(([, h]) => h)), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        json: { type: 'boolean', default: false },
        only: { type: 'string' },
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
  const only = args.only ? args.only.split(',').map((s) => s.trim()) : BENCHMARKS.map((b) => b.name);
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

  /** @type {BenchOptions} */
  const options = {
    runs: intOption(args.runs, '--runs', 1),
    warmup: intOption(args.warmup, '--warmup', 0),
    save: /** @type {'inplace' | 'rename' | undefined} */ (args.save),
    signal,
    progress: (line) => process.stderr.write(`${line}\n`),
  };

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
  if (args.json) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const report = {
      package: `${pkg.name}@${pkg.version}`,
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpu: cpus()[0]?.model ?? 'unknown',
      cpus: cpus().length,
      pass,
      benchmarks: Object.fromEntries(results.map((r) => [r.name, r])),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const r of results) {
      process.stdout.write(`\n${r.title}\n\n${table(r.columns, r.rows)}\n`);
      if (r.notes?.length) process.stdout.write(`\n${r.notes.map((n) => `  - ${n}`).join('\n')}\n`);
    }
    process.stdout.write(`\n${pass ? 'PASS' : 'FAIL'}: ${results.filter((r) => r.pass).length}/${results.length} benchmark(s) met their targets\n`);
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

/**
 * Start-up (issue 6, item 4).
 *
 *   CLI, persisted keys   spawn `node dist/cli.js --port 0 --quiet` on the example config whose
 *                         .auth-emulator/ already holds the key → first 200 from /oauth/token (client credentials)
 *   CLI, first run        the same in a fresh folder: the RSA key is generated and persisted first
 *   in-process            createEmulator({ config, port: 0 }) + close(), in one long-lived process
 *
 * The CLI cases report spawn → "Ready on" and spawn → first token (a request sent right after the Ready
 * line); each start is a new process, stopped (SIGTERM) before the next one.
 */
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDir, runScript } from './lib/children.js';
import { exampleRequests, spawnEmulator, writeExampleConfig } from './lib/emulator.js';
import { once } from './lib/load.js';
import { median, round1, summarize } from './stats.js';

export const title = 'Start-up: CLI spawn → first token, and createEmulator + close in-process';

const INPROCESS = fileURLToPath(new URL('./children/inprocess-startup.js', import.meta.url));

/**
 * @typedef {object} StartupOptions
 * @property {number} [repeats] CLI starts per case (default 7)
 * @property {number} [inProcessRuns] createEmulator + close per variant (default 50)
 * @property {AbortSignal} [signal]
 * @property {(line: string) => void} [progress]
 */

/**
 * One CLI start: spawn → Ready → first token.
 * @param {string} config
 * @param {AbortSignal | undefined} signal
 */
async function cliStart(config, signal) {
  const started = performance.now();
  const emulator = await spawnEmulator(config, { name: 'emulator', ...(signal ? { signal } : {}) });
  try {
    const res = await once(exampleRequests(emulator.url).clientCredentials);
    const tokenMs = performance.now() - started;
    if (res.status !== 200) throw new Error(`the first token request got ${res.status}: ${res.text.slice(0, 200)}`);
    return { readyMs: emulator.readyMs, tokenMs };
  } finally {
    await emulator.stop();
  }
}

/** @param {ReturnType<typeof summarize>} s */
const roundAll = (s) => ({ n: s.n, min: round1(s.min), median: round1(s.median), p95: round1(s.p95), max: round1(s.max) });
/** @param {number | null} x */
const ms = (x) => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(1));

/**
 * @param {StartupOptions} [options]
 */
export async function run(options = {}) {
  const repeats = options.repeats ?? 7;
  const inProcessRuns = options.inProcessRuns ?? (options.repeats !== undefined && options.repeats < 7 ? 20 : 50);
  const signal = options.signal;
  const progress = options.progress ?? (() => {});
  const dir = makeTempDir();
  try {
    // Persisted keys: one start creates them, then the measured starts reuse them.
    const persistedDir = join(dir, 'persisted');
    mkdirSync(persistedDir);
    const persistedConfig = writeExampleConfig(persistedDir);
    progress(`startup: CLI with persisted keys: 1 + ${repeats} starts`);
    await cliStart(persistedConfig, signal);
    /** @type {{ readyMs: number, tokenMs: number }[]} */
    const persisted = [];
    for (let i = 0; i < repeats; i++) persisted.push(await cliStart(persistedConfig, signal));

    progress(`startup: CLI first run (key generation): ${repeats} starts`);
    /** @type {{ readyMs: number, tokenMs: number }[]} */
    const firstRun = [];
    for (let i = 0; i < repeats; i++) {
      const fresh = join(dir, `fresh-${i}`);
      mkdirSync(fresh);
      firstRun.push(await cliStart(writeExampleConfig(fresh), signal));
      removeTempDir(fresh);
    }

    progress(`startup: in-process createEmulator + close: ${inProcessRuns} runs per variant`);
    /** @type {{ importMs: number, coldFile: number, file: number[], object: number[] }} */
    const inProcess = JSON.parse(await runScript({ name: 'in-process start-up', args: [INPROCESS, persistedConfig, String(inProcessRuns), '3'], ...(signal ? { signal } : {}) }));

    const cases = {
      cliPersisted: { ready: roundAll(summarize(persisted.map((s) => s.readyMs))), token: roundAll(summarize(persisted.map((s) => s.tokenMs))) },
      cliFirstRun: { ready: roundAll(summarize(firstRun.map((s) => s.readyMs))), token: roundAll(summarize(firstRun.map((s) => s.tokenMs))) },
      importMs: round1(inProcess.importMs),
      inProcessColdMs: round1(inProcess.coldFile),
      inProcessFile: roundAll(summarize(inProcess.file)),
      inProcessObject: roundAll(summarize(inProcess.object)),
    };
    const inProcessMedian = median(inProcess.file);
    const cliMedian = median(persisted.map((s) => s.tokenMs));
    const targets = [
      {
        id: 'inprocess-startup',
        label: 'in-process createEmulator + close (config file, persisted key), median',
        value: `${ms(inProcessMedian)} ms`,
        measured: round1(inProcessMedian),
        threshold: '< 30 ms',
        pass: inProcessMedian < 30,
      },
      {
        id: 'cli-startup',
        label: 'CLI spawn → first token, persisted keys, median',
        value: `${ms(cliMedian)} ms`,
        measured: round1(cliMedian),
        threshold: '< 300 ms',
        pass: cliMedian < 300,
      },
    ];
    return {
      name: 'startup',
      title,
      pass: targets.every((t) => t.pass),
      columns: /** @type {[string, string][]} */ ([
        ['case', 'case'],
        ['n', 'runs'],
        ['ready', 'spawn → Ready ms (median)'],
        ['median', 'median ms'],
        ['min', 'min ms'],
        ['max', 'max ms'],
      ]),
      rows: [
        { case: 'CLI, persisted keys: spawn → first token', n: repeats, ready: ms(cases.cliPersisted.ready.median), median: ms(cases.cliPersisted.token.median), min: ms(cases.cliPersisted.token.min), max: ms(cases.cliPersisted.token.max) },
        { case: 'CLI, first run (RSA key generated): spawn → first token', n: repeats, ready: ms(cases.cliFirstRun.ready.median), median: ms(cases.cliFirstRun.token.median), min: ms(cases.cliFirstRun.token.min), max: ms(cases.cliFirstRun.token.max) },
        { case: 'in-process createEmulator + close (config file, persisted key)', n: inProcessRuns, ready: '', median: ms(cases.inProcessFile.median), min: ms(cases.inProcessFile.min), max: ms(cases.inProcessFile.max) },
        { case: 'in-process createEmulator + close (config object, memory key)', n: inProcessRuns, ready: '', median: ms(cases.inProcessObject.median), min: ms(cases.inProcessObject.min), max: ms(cases.inProcessObject.max) },
        { case: 'in-process, first in a fresh process (cold; after the import)', n: 1, ready: '', median: ms(inProcess.coldFile), min: '', max: '' },
        { case: 'import of dist/index.js in a fresh process', n: 1, ready: '', median: ms(inProcess.importMs), min: '', max: '' },
      ],
      targets,
      notes: [
        'CLI: a new `node dist/cli.js --port 0 --quiet --config …` process per start (config watching on, as by default); first token = client-credentials request sent on the Ready line',
        'in-process: one process, createEmulator({ config, port: 0 }) then close(), after 3 warm-up runs; the config-object variant keeps its generated key in memory for the process',
        'a CLI start is roughly node itself (~50 ms) + importing dist/ (the "import" row) + a cold createEmulator + listening',
      ],
      details: { repeats, inProcessRuns, cases, samples: { cliPersisted: persisted, cliFirstRun: firstRun, inProcess } },
    };
  } finally {
    removeTempDir(dir);
  }
}

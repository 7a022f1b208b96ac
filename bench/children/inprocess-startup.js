/**
 * In-process start-up, in a fresh process: `createEmulator` (listening on port 0) then `close()`, many times,
 * for two ways a test suite starts one. Prints JSON: { importMs, coldFile, file: ms[], object: ms[] }.
 *
 *   node bench/children/inprocess-startup.js <config file with persisted keys beside it> <runs> <warmup>
 *
 * file:   createEmulator({ config: <file>, port: 0 }): reads and validates the YAML, reads the persisted key
 * object: createEmulator({ config: <parsed object>, port: 0 }): memory-only keys (generated once per process)
 * Also the time to import dist/index.js and the first (cold) createEmulator + close with the file.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const imported = performance.now();
const { createEmulator } = await import('../../dist/index.js');

const [file, runsArg, warmupArg] = process.argv.slice(2);
if (!file) throw new Error('usage: inprocess-startup.js <config> <runs> <warmup>');
const runs = Number(runsArg ?? 30);
const warmup = Number(warmupArg ?? 3);
const object = parse(readFileSync(file, 'utf8'));

/** @param {() => Promise<import('../../dist/index.js').Emulator>} create */
async function timeOnce(create) {
  const started = performance.now();
  const emulator = await create();
  await emulator.close();
  return performance.now() - started;
}

/** @param {() => Promise<import('../../dist/index.js').Emulator>} create */
async function time(create) {
  /** @type {number[]} */
  const samples = [];
  for (let i = 0; i < warmup + runs; i++) {
    const started = performance.now();
    const emulator = await create();
    await emulator.close();
    if (i >= warmup) samples.push(performance.now() - started);
  }
  return samples;
}

const importMs = performance.now() - imported;
const coldFile = await timeOnce(() => createEmulator({ config: file, port: 0 }));
const fileSamples = await time(() => createEmulator({ config: file, port: 0 }));
const objectSamples = await time(() => createEmulator({ config: object, port: 0 }));
process.stdout.write(JSON.stringify({ importMs, coldFile, file: fileSamples, object: objectSamples }));

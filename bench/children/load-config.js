/**
 * Loads a config in a fresh process and reports how long `createEmulator` took (read, parse, validate,
 * build the snapshot, read the persisted keys; no listening) and the memory after it. Prints JSON.
 *
 *   node bench/children/load-config.js <config file>
 */
const file = process.argv[2];
if (!file) throw new Error('usage: load-config.js <config>');
const { createEmulator } = await import('../../dist/index.js');
const started = performance.now();
const emulator = await createEmulator({ config: file });
const loadMs = performance.now() - started;
const memory = process.memoryUsage();
await emulator.close();
process.stdout.write(JSON.stringify({ loadMs, rssMB: memory.rss / 2 ** 20, heapUsedMB: memory.heapUsed / 2 ** 20 }));

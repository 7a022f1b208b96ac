/**
 * Where the emulator's main thread spends its time under load (opt-in: `node bench/run.js --only profile`).
 *
 * For each request kind a fresh CLI process runs with `node --cpu-prof` on the example config (with the
 * trivial rule for the rule case), gets `seconds` of autocannon load (10 connections) after a warm-up, and is
 * stopped; the .cpuprofile is summarized: self time per function and per module, as shares of the busy
 * (non-idle) main-thread time. RSA signing runs on the libuv thread pool and does not show here; what shows
 * is everything around it. The raw profiles are kept in `--profile-dir` when given (details.dir).
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from './lib/children.js';
import { summarizeProfile } from './lib/cpuprofile.js';
import { exampleRequests, spawnEmulator, writeExampleConfig } from './lib/emulator.js';
import { measure, once } from './lib/load.js';

export const title = 'CPU profile of the emulator under load (main thread, self time)';

/**
 * @typedef {object} ProfileOptions
 * @property {number} [seconds] load per case (default 5)
 * @property {number} [top] functions listed per case (default 12)
 * @property {string} [keepDir] keep the .cpuprofile files here
 * @property {AbortSignal} [signal]
 * @property {(line: string) => void} [progress]
 */

/**
 * @param {ProfileOptions} [options]
 */
export async function run(options = {}) {
  const seconds = options.seconds ?? 5;
  const top = options.top ?? 12;
  const signal = options.signal;
  const progress = options.progress ?? (() => {});
  const sig = signal ? { signal } : {};
  const dir = makeTempDir();
  const profileDir = options.keepDir ?? join(dir, 'profiles');
  mkdirSync(profileDir, { recursive: true });
  /** @type {{ key: string, label: string, rule: boolean, pick: (r: ReturnType<typeof exampleRequests>) => import('./lib/load.js').Target }[]} */
  const kinds = [
    { key: 'cc', label: 'client credentials', rule: false, pick: (r) => r.clientCredentials },
    { key: 'password', label: 'password (API scope)', rule: false, pick: (r) => r.password },
    { key: 'password-rule', label: 'password + trivial rule', rule: true, pick: (r) => r.password },
    { key: 'jwks', label: 'JWKS', rule: false, pick: (r) => r.jwks },
  ];
  /** @type {{ key: string, label: string, rps: number, summary: ReturnType<typeof summarizeProfile> }[]} */
  const cases = [];
  try {
    for (const kind of kinds) {
      const caseDir = join(dir, kind.key);
      const out = join(profileDir, kind.key);
      mkdirSync(caseDir);
      mkdirSync(out, { recursive: true });
      progress(`profile: ${kind.label}: ${seconds} s under load with --cpu-prof`);
      const emulator = await spawnEmulator(writeExampleConfig(caseDir, { rule: kind.rule }), { name: `emulator (${kind.key})`, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${out}`], ...sig });
      let rps = 0;
      try {
        const target = kind.pick(exampleRequests(emulator.url));
        const res = await once(target);
        if (res.status !== 200) throw new Error(`${kind.label}: HTTP ${res.status}: ${res.text.slice(0, 200)}`);
        await measure(target, { seconds: 1, ...sig });
        rps = (await measure(target, { seconds, ...sig })).rps;
      } finally {
        await emulator.stop();
      }
      const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no CPU profile was written for ${kind.label}`);
      cases.push({ key: kind.key, label: kind.label, rps, summary: summarizeProfile(join(out, file), 40) });
    }
  } finally {
    if (!options.keepDir) removeTempDir(dir);
  }
  /** @param {number} s */
  const pct = (s) => `${(s * 100).toFixed(1)}%`;
  return {
    name: 'profile',
    title,
    pass: true,
    columns: /** @type {[string, string][]} */ ([
      ['case', 'case'],
      ['share', 'self %'],
      ['fn', 'function'],
      ['where', 'where'],
    ]),
    rows: cases.flatMap((c) => [
      { case: `${c.label} (${Math.round(c.rps)} req/s, idle ${pct(c.summary.idleShare)})`, share: '', fn: '', where: '' },
      ...c.summary.functions.slice(0, top).map((f) => ({ case: '', share: pct(f.share), fn: f.name, where: f.where })),
      { case: '  by module', share: '', fn: c.summary.modules.slice(0, 5).map((m) => `${m.module} ${pct(m.share)}`).join(', '), where: '' },
    ]),
    notes: ['self time of the main thread only (RSA signing runs on the libuv thread pool); shares are of busy (non-idle) time'],
    details: { seconds, dir: options.keepDir, cases: cases.map((c) => ({ key: c.key, label: c.label, rps: c.rps, ...c.summary })) },
  };
}

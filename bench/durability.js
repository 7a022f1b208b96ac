#!/usr/bin/env node
/**
 * What writing refresh-token changes before answering costs (issue 10, finding 2): this checkout's CLI
 * against other builds of the emulator, side by side, on the paths that change refresh tokens.
 *
 *   node bench/durability.js [--compare REF_OR_DIR]... [--rounds N] [--seconds S] [--connections C] [--json]
 *
 * --compare names a git commit (default 463ddec, the last one with the 250 ms write timer), built here in a
 * temporary `git worktree` under the system temp folder (node_modules linked from this checkout), or a
 * folder holding a built checkout. Run `npm run build` first: this checkout's dist/ is measured as it is.
 *
 * Each server is the CLI in a process of its own, with a state folder (so refresh tokens go to a file), on
 * one config: an API with offline access, non-rotating clients and a rotating one, 60 users (Auth0's cap of
 * 200 refresh tokens per user and application would otherwise revoke the pool the revocations draw from).
 * Measured with autocannon (C connections, default 10):
 *   password   password grant with offline_access: issues (writes) a refresh token per request
 *   refresh    refresh grant, non-rotating client: reads only
 *   rotate     refresh grant, rotating client: marks the old token and issues a new one per request (each
 *              connection follows its own chain)
 *   revoke     /oauth/revoke of live tokens (koa path): deletes one per request, from a pool issued first
 * Other processes share the machine: the measurements are taken in rounds, the servers in alternating
 * order (reversed every other round), and each ratio is the median of the per-round ratios, with their
 * range (the spread). Every non-2xx answer under load is counted and reported.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { cpuOf, makeTempDir, removeTempDir, spawnServer } from './lib/children.js';
import { median, percentile } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const API = 'https://api.bench.test';
const STEADY = { client_id: 'steady', client_secret: 'steady-secret' };
const ROTOR = { client_id: 'rotor', client_secret: 'rotor-secret' };
/** Logins measured with a client of their own, so that they never push the others' tokens over the cap. */
const LOGIN = { client_id: 'login', client_secret: 'login-secret' };
const USERS = 60;
const KINDS = ['password', 'refresh', 'rotate', 'revoke'];

const { values } = parseArgs({
  options: {
    compare: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const compare = values.compare ?? ['463ddec'];
/** @param {string} line */
const progress = (line) => void process.stderr.write(`${line}\n`);

const work = makeTempDir('auth-emulator-durability-');
/** @type {string[]} */
const worktrees = [];

/**
 * @typedef {{ client_id: string, client_secret: string }} Client
 * @typedef {{ label: string, url: string, pid: number, revokePool: number, stop: () => Promise<unknown> }} Server
 * @typedef {{ rps: number, p50: number, p99: number, non2xx: number, errors: number, mainUs: number | null, totalUs: number | null }} Sample
 * @typedef {autocannon.Request} Req
 */

/**
 * A built checkout for `ref`: a folder as given, or a commit built in a temporary worktree.
 * @param {string} ref
 */
function checkout(ref) {
  if (existsSync(join(ref, 'dist', 'cli.js'))) return resolve(ref);
  const dir = join(work, `checkout-${worktrees.length}`);
  progress(`building ${ref} in ${dir}`);
  execFileSync('git', ['-C', ROOT, 'worktree', 'add', '--detach', dir, ref], { stdio: 'ignore' });
  worktrees.push(dir);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  return dir;
}

/** @param {string} dir */
function writeConfig(dir) {
  /** @param {Client} c @param {string} rotation */
  const client = (c, rotation) =>
    `      - { client_id: ${c.client_id}, client_secret: ${c.client_secret}, app_type: non_interactive, grant_types: [password, refresh_token], refresh_token: { rotation_type: ${rotation} } }`;
  const file = join(dir, 'auth.config.yaml');
  writeFileSync(
    file,
    [
      'tenants:',
      '  - name: dev',
      '    default_directory: db',
      `    apis: [{ identifier: "${API}", scopes: [read:data], allow_offline_access: true }]`,
      '    clients:',
      client(STEADY, 'non-rotating'),
      client(ROTOR, 'rotating'),
      client(LOGIN, 'non-rotating'),
      '    connections:',
      '      - name: db',
      '        users:',
      ...Array.from({ length: USERS }, (_, i) => `          - { email: user${i}@bench.test, password: pwd }`),
      '',
    ].join('\n'),
  );
  return file;
}

const json = { 'content-type': 'application/json' };
/** @param {number} i @param {Client} client */
const loginBody = (i, client) => JSON.stringify({ grant_type: 'password', username: `user${i % USERS}@bench.test`, password: 'pwd', audience: API, scope: 'offline_access', ...client });
/** @param {string} body @returns {string} */
const refreshTokenOf = (body) => JSON.parse(body).refresh_token;

/**
 * One autocannon run: `requests` make each request; `amount` stops after that many, else `seconds`. With
 * `pid`, also the server's CPU time per 2xx answer (µs): its main thread, and all its threads.
 * @param {string} url
 * @param {Req[]} requests
 * @param {{ amount?: number, seconds?: number, pid?: number }} [o]
 * @returns {Promise<Sample>}
 */
function load(url, requests, o = {}) {
  const cpu = cpuOf(o.pid);
  /** @type {number[]} */
  const latencies = [];
  const started = performance.now();
  let last = started;
  return new Promise((resolvePromise, reject) => {
    const instance = autocannon(
      { url, connections, pipelining: 1, timeout: 10, requests, ...(o.amount ? { amount: o.amount } : { duration: o.seconds ?? seconds }) },
      (err, res) => {
        if (err) return reject(err);
        // From the start to the last answer: autocannon's own duration is in whole seconds, and a run of a set
        // amount ends on its next tick of the clock.
        const elapsed = (last - started) / 1000;
        const after = cpuOf(o.pid);
        /** @param {number | null} a @param {number | null} b */
        const perAnswer = (a, b) => (a === null || b === null || !res['2xx'] ? null : Math.round(((b - a) * 1000) / res['2xx']));
        resolvePromise({
          rps: res['2xx'] / elapsed,
          p50: Math.round(percentile(latencies, 50) * 100) / 100,
          p99: Math.round(percentile(latencies, 99) * 100) / 100,
          non2xx: res.non2xx,
          errors: res.errors + res.timeouts,
          mainUs: perAnswer(cpu.mainMs, after.mainMs),
          totalUs: perAnswer(cpu.totalMs, after.totalMs),
        });
      },
    );
    instance.on('response', (_client, status, _bytes, time) => {
      last = performance.now();
      if (status >= 200 && status < 300) latencies.push(time);
    });
  });
}

/**
 * Refresh tokens issued by password grants on `server`, for `client`.
 * @param {Server} server @param {Client} client @param {number} count
 */
async function issue(server, client, count) {
  /** @type {string[]} */
  const tokens = [];
  if (count < connections) {
    for (let i = 0; i < count; i++) {
      const res = await fetch(`${server.url}/oauth/token`, { method: 'POST', headers: json, body: loginBody(i, client) });
      tokens.push(refreshTokenOf(await res.text()));
    }
    return tokens;
  }
  let n = 0;
  await load(`${server.url}/oauth/token`, [
    {
      method: 'POST',
      headers: json,
      setupRequest: (req) => ({ ...req, body: loginBody(n++, client) }),
      onResponse: (status, body) => {
        if (status === 200) tokens.push(refreshTokenOf(body));
      },
    },
  ], { amount: count });
  return tokens;
}

/**
 * The measurement of one kind on one server.
 * @param {string} kind @param {Server} server
 */
async function measureKind(kind, server) {
  const token = `${server.url}/oauth/token`;
  const pid = server.pid;
  if (kind === 'password') {
    let n = 0;
    return load(token, [{ method: 'POST', headers: json, setupRequest: (req) => ({ ...req, body: loginBody(n++, LOGIN) }) }], { pid });
  }
  if (kind === 'refresh') {
    const [refresh_token] = await issue(server, STEADY, 1);
    return load(token, [{ method: 'POST', headers: json, body: JSON.stringify({ grant_type: 'refresh_token', refresh_token, ...STEADY }) }], { pid });
  }
  if (kind === 'rotate') {
    // Chains of rotations: a request takes a chain's newest token, its answer puts the next one back.
    const newest = await issue(server, ROTOR, 2 * connections);
    return load(token, [
      {
        method: 'POST',
        headers: json,
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: newest.shift(), ...ROTOR }) }),
        onResponse: (status, body) => {
          if (status === 200) newest.push(refreshTokenOf(body));
        },
      },
    ], { pid });
  }
  // revoke: a pool of live tokens, issued first, each revoked once.
  const pool = await issue(server, STEADY, server.revokePool);
  return load(`${server.url}/oauth/revoke`, [{ method: 'POST', headers: json, setupRequest: (req) => ({ ...req, body: JSON.stringify({ token: pool.pop(), ...STEADY }) }) }], { amount: pool.length, pid });
}

/** @param {Sample} m */
const describe = (m) =>
  `${Math.round(m.rps)} req/s p50 ${m.p50} ms p99 ${m.p99} ms, CPU ${m.mainUs} µs main / ${m.totalUs} µs total${m.non2xx || m.errors ? ` (${m.non2xx} non-2xx, ${m.errors} errors)` : ''}`;
/** @param {(number | null)[]} xs */
const mid = (xs) => median(xs.filter((x) => x !== null));

async function main() {
  // Worktrees of a run that was killed are gone with the temp folder; forget them.
  execFileSync('git', ['-C', ROOT, 'worktree', 'prune']);
  const builds = [{ label: 'this checkout', dir: ROOT }, ...compare.map((ref) => ({ label: ref, dir: checkout(ref) }))];
  /** @type {Server[]} */
  const servers = [];
  try {
    for (const [i, build] of builds.entries()) {
      const dir = join(work, `server-${i}`);
      mkdirSync(dir);
      const config = writeConfig(dir);
      const child = await spawnServer({ name: build.label, args: [join(build.dir, 'dist', 'cli.js'), '--port', '0', '--quiet', '--no-watch', '--config', config], cwd: dir });
      servers.push({ label: build.label, url: child.url, pid: child.pid, revokePool: 6000, stop: child.stop });
    }
    progress('warming up');
    for (const server of servers) await load(`${server.url}/oauth/token`, [{ method: 'POST', headers: json, body: loginBody(0, LOGIN) }], { seconds: 1 });
    /** @type {Map<string, Sample[]>} by kind and server label */
    const samples = new Map();
    /** @param {string} kind @param {Server} server */
    const of = (kind, server) => samples.get(`${kind} ${server.label}`) ?? [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const kind of KINDS) {
        for (const server of order) {
          const m = await measureKind(kind, server);
          samples.set(`${kind} ${server.label}`, [...of(kind, server), m]);
          progress(`round ${round + 1}/${rounds} ${kind.padEnd(8)} ${server.label.padEnd(14)} ${describe(m)}`);
          // Enough live tokens for the next revoke run to last about `seconds` at this pace (under the cap).
          if (kind === 'revoke') server.revokePool = Math.max(2000, Math.min(USERS * 180, Math.round(m.rps * seconds)));
        }
      }
    }
    const [current, ...others] = /** @type {[Server, ...Server[]]} */ (servers);
    const rows = KINDS.flatMap((kind) =>
      others.map((other) => {
        const mine = of(kind, current);
        const theirs = of(kind, other);
        const ratios = mine.map((m, i) => m.rps / (theirs[i]?.rps ?? NaN));
        return {
          kind,
          against: other.label,
          rps: [mid(mine.map((m) => m.rps)), mid(theirs.map((m) => m.rps))],
          ratio: median(ratios),
          spread: [Math.min(...ratios), Math.max(...ratios)],
          p99: [mid(mine.map((m) => m.p99)), mid(theirs.map((m) => m.p99))],
          mainUs: [mid(mine.map((m) => m.mainUs)), mid(theirs.map((m) => m.mainUs))],
          failed: [...mine, ...theirs].reduce((n, m) => n + m.non2xx + m.errors, 0),
        };
      }),
    );
    if (values.json) {
      console.log(JSON.stringify({ rounds, seconds, connections, rows, samples: Object.fromEntries(samples) }, null, 2));
      return;
    }
    console.log(`refresh-token paths: ${rounds} rounds of ${seconds} s (revoke: a pool of live tokens), ${connections} connections; ratio = this checkout / other, median of the rounds' ratios [range]`);
    /** @param {number} x */
    const n = (x) => String(Math.round(x)).padStart(6);
    for (const r of rows) {
      console.log(
        `${r.kind.padEnd(8)} vs ${r.against.padEnd(14)} ${n(r.rps[0] ?? NaN)} vs ${n(r.rps[1] ?? NaN)} req/s  ${(r.ratio).toFixed(2)}× [${r.spread[0]?.toFixed(2)}–${r.spread[1]?.toFixed(2)}]  ` +
          `p99 ${r.p99[0]?.toFixed(1)} vs ${r.p99[1]?.toFixed(1)} ms  main-thread CPU per answer ${r.mainUs[0]} vs ${r.mainUs[1]} µs${r.failed ? `  (${r.failed} failed requests)` : ''}`,
      );
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    for (const dir of worktrees) execFileSync('git', ['-C', ROOT, 'worktree', 'remove', '--force', dir], { stdio: 'ignore' });
    removeTempDir(work);
  }
}

await main();

/**
 * Child processes and temp folders for the benchmarks, cleaned up however the run ends: each benchmark
 * stops what it started in a `finally`, and whatever is still alive when the bench process exits
 * (Ctrl-C, the overall time limit, a crash) is killed and removed by the `exit` hook below.
 *
 * A server child is any script that prints `Ready on http://host:port` on stdout once it listens (the
 * emulator's CLI does; so do the scripts in bench/servers/).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** @type {Set<import('node:child_process').ChildProcess>} */
const live = new Set();
/** @type {Set<string>} */
const tempDirs = new Set();

process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp folder, removed by `removeTempDir` or at exit. */
export function makeTempDir(prefix = 'auth-emulator-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** @param {string} dir */
export function removeTempDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/**
 * The processes a process started, and theirs (the emulator's extension workers), from /proc (Linux); none
 * elsewhere or once it has gone.
 * @param {number} pid
 * @returns {number[]}
 */
function descendants(pid) {
  /** @type {number[]} */
  const found = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) {
        found.push(Number(child), ...descendants(Number(child)));
      }
    }
  } catch {
    // gone, or not Linux
  }
  return found;
}

/** @param {number} pid @param {string} field @returns {number | null} MB */
function statusMB(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Resident set size of a process, from /proc (Linux); nulls elsewhere or once it has gone. `rss` is now,
 * with the processes it started (the emulator's extension workers) added; `hwm` the process's own peak
 * since it started (VmHWM).
 * @param {number | undefined} pid
 * @returns {{ rssMB: number | null, hwmMB: number | null }}
 */
export function memoryOf(pid) {
  if (pid === undefined) return { rssMB: null, hwmMB: null };
  const own = statusMB(pid, 'VmRSS');
  if (own === null) return { rssMB: null, hwmMB: null };
  return { rssMB: descendants(pid).reduce((sum, child) => sum + (statusMB(child, 'VmRSS') ?? 0), own), hwmMB: statusMB(pid, 'VmHWM') };
}

/** Linux's USER_HZ: /proc reports CPU time in ticks of 1/100 s on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) a process has used so far, in ms: `main` for its main thread (the event loop)
 * and `total` for all its threads (with the libuv thread pool, which signs) and the processes it started
 * that are still running (the emulator's extension workers). Nulls where /proc is missing.
 * @param {number | undefined} pid
 * @returns {{ mainMs: number | null, totalMs: number | null }}
 */
export function cpuOf(pid) {
  if (pid === undefined) return { mainMs: null, totalMs: null };
  /** @param {string} file */
  const ticks = (file) => {
    try {
      const stat = readFileSync(file, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After the command: state is field 3, utime 14 and stime 15 (1-based, as in proc(5)).
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    } catch {
      return null;
    }
  };
  const own = ticks(`/proc/${pid}/stat`);
  const total = own === null ? null : descendants(pid).reduce((sum, child) => sum + (ticks(`/proc/${child}/stat`) ?? 0), own);
  return { mainMs: ticks(`/proc/${pid}/task/${pid}/stat`), totalMs: total };
}

/**
 * Samples the RSS of some processes every `everyMs` until stopped; returns the highest sample per pid.
 * @param {number[]} pids
 * @param {number} [everyMs]
 */
export function sampleRss(pids, everyMs = 100) {
  /** @type {Map<number, number>} */
  const peak = new Map();
  const take = () => {
    for (const pid of pids) {
      const { rssMB } = memoryOf(pid);
      if (rssMB !== null) peak.set(pid, Math.max(peak.get(pid) ?? 0, rssMB));
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    /** @returns {Map<number, number>} */
    stop() {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}

/**
 * @typedef {object} ServerChild
 * @property {string} name
 * @property {number} pid
 * @property {string} url the base URL from the Ready line (no trailing slash)
 * @property {number} readyMs spawn → Ready line
 * @property {import('node:child_process').ChildProcess} child
 * @property {() => string} output everything it printed so far (stdout and stderr, capped)
 * @property {() => Promise<number | null>} stop SIGTERM, then SIGKILL after a grace period; resolves with the exit code
 */

/**
 * @typedef {object} SpawnOptions
 * @property {string} name for messages
 * @property {string[]} args arguments to `node` (node options first, then the script and its arguments)
 * @property {string} [cwd]
 * @property {NodeJS.ProcessEnv} [env]
 * @property {number} [timeoutMs] how long to wait for the Ready line (default 30 s)
 * @property {AbortSignal} [signal]
 * @property {RegExp} [ready] default /Ready on (http:\/\/\S+)/
 */

/**
 * Starts a node script and waits for its Ready line.
 * @param {SpawnOptions} o
 * @returns {Promise<ServerChild>}
 */
export function spawnServer(o) {
  o.signal?.throwIfAborted();
  const started = performance.now();
  const child = spawn(process.execPath, o.args, {
    cwd: o.cwd,
    env: o.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => {
    child.once('exit', (code, sig) => {
      live.delete(child);
      resolve(code ?? (sig ? -1 : null));
    });
  });
  let out = '';
  /** @param {Buffer} chunk */
  const keep = (chunk) => {
    out += chunk.toString('utf8');
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  const ready = o.ready ?? /Ready on (http:\/\/\S+)/;
  return new Promise((resolve, reject) => {
    let buffer = '';
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      buffer += chunk.toString('utf8');
      const m = ready.exec(buffer);
      if (!m) return;
      cleanup();
      resolve({
        name: o.name,
        pid: /** @type {number} */ (child.pid),
        url: (m[1] ?? '').replace(/\/+$/, ''),
        readyMs: performance.now() - started,
        child,
        output: () => out,
        stop,
      });
    };
    /** @param {Error} err */
    const fail = (err) => {
      cleanup();
      void stop();
      reject(err);
    };
    const onExit = () => fail(new Error(`${o.name} exited before it was ready:\n${out.slice(-2_000)}`));
    const onAbort = () => fail(/** @type {Error} */ (o.signal?.reason ?? new Error('aborted')));
    const timer = setTimeout(() => fail(new Error(`${o.name} was not ready within ${o.timeoutMs ?? 30_000} ms:\n${out.slice(-2_000)}`)), o.timeoutMs ?? 30_000);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', fail);
      o.signal?.removeEventListener('abort', onAbort);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', fail);
    o.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs a node script to completion and returns what it printed on stdout (it must exit 0).
 * @param {{ name: string, args: string[], cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number, signal?: AbortSignal }} o
 * @returns {Promise<string>}
 */
export function runScript(o) {
  o.signal?.throwIfAborted();
  const child = spawn(process.execPath, o.args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c) => (stdout += c.toString('utf8')));
  child.stderr?.on('data', (c) => (stderr += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    const onAbort = () => child.kill('SIGKILL');
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${o.timeoutMs ?? 60_000} ms)`;
      child.kill('SIGKILL');
    }, o.timeoutMs ?? 60_000);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', reject);
    child.once('exit', (code) => {
      live.delete(child);
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) reject(o.signal.reason);
      else if (code === 0) resolve(stdout);
      else reject(new Error(`${o.name} exited with ${code}:\n${stderr.slice(-2_000)}`));
    });
  });
}

/**
 * Reload latency: the time from writing the config file to the new behaviour being visible over HTTP.
 *
 * For each case an emulator runs with `watch: true` on a real port (127.0.0.1, ephemeral), serving a config
 * file in a fresh temp folder. Each edit rewrites the file with the other of two versions, which differ only
 * in one user (`probe-a@…` or `probe-b@…`), so every edit is a real change: it removes the user the previous
 * version added and adds a new one. Right after the write, a tight loop posts a password-realm login for the
 * newly added user to /oauth/token until it answers 200 (403 until then). The latency of an edit is from
 * just before the write to that 200; it includes the watcher's debounce, the file system event, the reload
 * itself and at most one HTTP round trip of polling resolution. The emulator's own ReloadEvent.ms (read,
 * validate, build, swap) is reported beside it.
 *
 * Cases: the example auth.config.yaml (plus the probe user), and the example plus 10,000 generated users with
 * plain-text passwords. The first few edits of each case warm up the JIT and are not counted.
 */
import { Agent, request } from 'node:http';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, parseDocument, stringify } from 'yaml';
import { createEmulator } from '../dist/index.js';
import { round1, summarize } from './stats.js';

export const title = 'Config hot reload: file write → new user can log in over HTTP';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../auth.config.yaml', import.meta.url));
const PASSWORD_REALM = 'http://auth0.com/oauth/grant-type/password-realm';

/**
 * @typedef {object} ReloadOptions
 * @property {number} [runs] measured edits per case (default 30)
 * @property {number} [warmup] edits per case before measuring (default 3)
 * @property {number} [users] generated users in the large case (default 10,000)
 * @property {'inplace' | 'rename'} [save] how the file is written: in place (truncate + write) or a temp file renamed over it
 * @property {number} [editTimeoutMs] how long one edit may take to show before the case fails (default 10 s)
 * @property {AbortSignal} [signal] stops the benchmark (Ctrl-C, the runner's overall time limit)
 * @property {(line: string) => void} [progress] receives progress lines (the runner sends them to stderr)
 */

/**
 * @typedef {object} Probe where and how the probe user logs in
 * @property {string} tenant
 * @property {number} connectionIndex index of the probe's connection in tenants[0].connections
 * @property {string} realm
 * @property {string} clientId
 * @property {string} clientSecret
 */

/**
 * @typedef {object} Versions
 * @property {string} a the config with probe-a
 * @property {string} b the config with probe-b
 * @property {Probe} probe
 * @property {number} users users in one version
 */

/**
 * @typedef {object} EditSample
 * @property {number} edit
 * @property {'a' | 'b'} version
 * @property {number} visibleMs write → the new user logs in
 * @property {number} writeMs how long the write itself took
 * @property {number | null} reloadMs ReloadEvent.ms of the reload that made it visible
 * @property {number} polls login attempts until visible
 * @property {number} reloads reload events caused by this edit
 * @property {number} failedReloads of which refused (a partially written file)
 */

/** @param {'a' | 'b'} v */
const probeUser = (v) => ({ email: `probe-${v}@bench.example`, password: `probe-${v}-password` });

/**
 * Finds what the probe needs in a parsed config: the first tenant, a client that may use the
 * password-realm grant with a secret, and a connection (`employees` in the example, else the last one).
 * @param {any} data
 * @returns {Probe}
 */
function findProbe(data) {
  const tenant = data?.tenants?.[0];
  if (!tenant) throw new Error('the example config has no tenant');
  /** @type {any[]} */
  const clients = tenant.clients ?? [];
  const client = clients.find((c) => c.client_secret && Array.isArray(c.grant_types) && c.grant_types.includes(PASSWORD_REALM));
  if (!client) throw new Error(`the example config's first tenant has no client with a secret and the ${PASSWORD_REALM} grant`);
  /** @type {any[]} */
  const connections = tenant.connections ?? [];
  if (connections.length === 0) throw new Error("the example config's first tenant has no connection");
  let connectionIndex = connections.findIndex((c) => c.name === 'employees');
  if (connectionIndex < 0) connectionIndex = connections.length - 1;
  return { tenant: tenant.name, connectionIndex, realm: connections[connectionIndex].name, clientId: client.client_id, clientSecret: client.client_secret };
}

/** @param {any} data */
const countUsers = (data) => /** @type {any[]} */ (data.tenants).reduce((n, t) => n + (t.connections ?? []).reduce((/** @type {number} */ m, /** @type {any} */ c) => m + (c.users ?? []).length, 0), 0);

/**
 * The example config, with comments, plus one probe user.
 * @param {string} text
 * @returns {Versions}
 */
function smallVersions(text) {
  const data = parse(text);
  const probe = findProbe(data);
  /** @param {'a' | 'b'} v */
  const version = (v) => {
    const doc = parseDocument(text);
    doc.addIn(['tenants', 0, 'connections', probe.connectionIndex, 'users'], doc.createNode(probeUser(v)));
    return doc.toString();
  };
  return { a: version('a'), b: version('b'), probe, users: countUsers(data) + 1 };
}

/**
 * The example config plus `n` generated users (plain-text passwords) in its first connection, plus one probe user.
 * @param {string} text
 * @param {number} n
 * @returns {Versions}
 */
function largeVersions(text, n) {
  const data = parse(text);
  const probe = findProbe(data);
  const bulk = data.tenants[0].connections[0];
  bulk.users = [
    ...(bulk.users ?? []),
    ...Array.from({ length: n }, (_, i) => ({ email: `bench-user-${i}@bench.example`, password: `bench-password-${i}`, name: `Bench User ${i}` })),
  ];
  const header = `# Generated by bench/reload.js: the example config plus ${n} users with plain-text passwords.\n`;
  /** @param {'a' | 'b'} v */
  const version = (v) => {
    const copy = structuredClone(data);
    (copy.tenants[0].connections[probe.connectionIndex].users ??= []).push(probeUser(v));
    return header + stringify(copy);
  };
  return { a: version('a'), b: version('b'), probe, users: countUsers(data) + 1 };
}

/**
 * POSTs JSON and returns the status and body; bounded by `timeoutMs`.
 * @param {string} url
 * @param {unknown} body
 * @param {Agent} agent
 * @param {number} timeoutMs
 * @returns {Promise<{ status: number, body: string }>}
 */
function postJson(url, body, agent, timeoutMs) {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * @param {string} file
 * @param {string} text
 * @param {'inplace' | 'rename'} mode
 */
function save(file, text, mode) {
  if (mode === 'rename') {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  } else {
    writeFileSync(file, text);
  }
}

/**
 * Waits until `check()` holds, polling every 5 ms; false when `ms` pass first.
 * @param {() => boolean} check
 * @param {number} ms
 * @param {AbortSignal | undefined} signal
 */
async function waitUntil(check, ms, signal) {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await sleep(5, undefined, { signal });
  }
  return true;
}

/**
 * Runs the edits of one case against its own emulator and temp folder.
 * @param {{ key: string, label: string, targetMs: number, versions: Versions }} kase
 * @param {Required<Omit<ReloadOptions, 'signal'>> & { signal: AbortSignal | undefined }} o
 */
async function runCase(kase, o) {
  const { versions, targetMs } = kase;
  const dir = mkdtempSync(join(tmpdir(), 'auth-emulator-bench-'));
  const file = join(dir, 'auth.config.yaml');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  /** @type {import('../dist/index.js').Emulator | undefined} */
  let emulator;
  /** @type {{ ok: boolean, ms?: number, summary?: string, error?: string, at: number }[]} */
  const events = [];
  /** @type {string[]} */
  const unexpected = [];
  /** @type {EditSample[]} */
  const samples = [];
  let startupMs = Number.NaN;
  /** @type {string | undefined} */
  let error;
  try {
    writeFileSync(file, versions.a);
    const started = performance.now();
    emulator = await createEmulator({
      config: file,
      watch: true,
      port: 0,
      stateDir: false,
      onReload: (e) => events.push(e.ok ? { ok: true, ms: e.ms, summary: e.summary, at: performance.now() } : { ok: false, error: e.error.message.split('\n')[0] ?? '', at: performance.now() }),
      onError: (err) => unexpected.push(String(err)),
    });
    startupMs = performance.now() - started;
    const tokenUrl = emulator.tenants[versions.probe.tenant]?.tokenUrl;
    if (!tokenUrl) throw new Error(`the emulator does not serve tenant ${versions.probe.tenant}`);

    /** @param {'a' | 'b'} v */
    const login = (v) =>
      postJson(
        tokenUrl,
        {
          grant_type: PASSWORD_REALM,
          realm: versions.probe.realm,
          username: probeUser(v).email,
          password: probeUser(v).password,
          client_id: versions.probe.clientId,
          client_secret: versions.probe.clientSecret,
        },
        agent,
        5_000,
      );

    // The probe must work before anything is measured: probe-a logs in, probe-b does not exist yet.
    const [a, b] = [await login('a'), await login('b')];
    if (a.status !== 200 || b.status !== 403) {
      throw new Error(`probe check failed before the first edit: probe-a got ${a.status} (want 200), probe-b got ${b.status} (want 403): ${a.body.slice(0, 200)}`);
    }

    const total = o.warmup + o.runs;
    for (let i = 0; i < total; i++) {
      o.signal?.throwIfAborted();
      /** @type {'a' | 'b'} */
      const v = i % 2 === 0 ? 'b' : 'a';
      const seen = events.length;
      const t0 = performance.now();
      save(file, versions[v], o.save);
      const writeMs = performance.now() - t0;
      let polls = 0;
      for (;;) {
        o.signal?.throwIfAborted();
        const res = await login(v);
        polls++;
        if (res.status === 200) break;
        if (res.status !== 403) throw new Error(`unexpected ${res.status} from ${tokenUrl}: ${res.body.slice(0, 300)}`);
        if (performance.now() - t0 > o.editTimeoutMs) {
          const last = events.slice(seen).at(-1);
          throw new Error(`edit ${i + 1}: probe-${v} could not log in within ${o.editTimeoutMs} ms of the write${last && !last.ok ? ` (last reload refused: ${last.error})` : ''}`);
        }
      }
      const visibleMs = performance.now() - t0;
      // onReload fires after the swap (once the watched files are updated): wait for it, bounded.
      await waitUntil(() => events.slice(seen).some((e) => e.ok), 5_000, o.signal);
      const first = events.slice(seen).find((e) => e.ok);
      // Let a second reload from the same save (if any; it would run right after this one) land here
      // rather than in the next edit.
      await sleep(Math.min(3_000, 150 + (first?.ms ?? 0)), undefined, { signal: o.signal });
      const mine = events.slice(seen);
      const sample = {
        edit: i + 1,
        version: v,
        visibleMs,
        writeMs,
        reloadMs: first?.ms ?? null,
        polls,
        reloads: mine.length,
        failedReloads: mine.filter((e) => !e.ok).length,
      };
      if (i >= o.warmup) samples.push(sample);
      if ((i + 1) % 10 === 0 || i + 1 === total) o.progress(`reload: ${kase.label}: ${i + 1}/${total} edits (${o.warmup} warm-up)`);
    }
  } catch (err) {
    if (o.signal?.aborted) throw err;
    // A reload that never shows (or a broken probe) fails this case; the benchmark itself goes on.
    error = err instanceof Error ? err.message : String(err);
  } finally {
    agent.destroy();
    if (emulator) await Promise.race([emulator.close(), sleep(5_000, undefined, { ref: false })]);
    rmSync(dir, { recursive: true, force: true });
  }

  const visible = summarize(samples.map((s) => s.visibleMs));
  const reload = summarize(samples.flatMap((s) => (s.reloadMs === null ? [] : [s.reloadMs])));
  const pass = error === undefined && unexpected.length === 0 && samples.length === o.runs && visible.median < targetMs;
  return {
    key: kase.key,
    label: kase.label,
    users: versions.users,
    bytes: Buffer.byteLength(versions.a),
    targetMs,
    pass,
    error,
    unexpectedErrors: unexpected,
    startupMs: round1(startupMs),
    visible: roundAll(visible),
    reload: roundAll(reload),
    pollsMedian: summarize(samples.map((s) => s.polls)).median,
    reloadsPerEdit: samples.length ? round1(samples.reduce((n, s) => n + s.reloads, 0) / samples.length) : null,
    failedReloads: samples.reduce((n, s) => n + s.failedReloads, 0),
    samples: samples.map((s) => ({ ...s, visibleMs: round1(s.visibleMs), writeMs: round1(s.writeMs) })),
  };
}

/**
 * @param {ReturnType<typeof summarize>} s
 */
function roundAll(s) {
  return { n: s.n, min: round1(s.min), median: round1(s.median), mean: round1(s.mean), p95: round1(s.p95), max: round1(s.max) };
}

/** @param {number | null} x */
const ms = (x) => (x === null ? '—' : x.toFixed(1));

/**
 * @param {ReloadOptions} [options]
 */
export async function run(options = {}) {
  /** @type {Required<Omit<ReloadOptions, 'signal'>> & { signal: AbortSignal | undefined }} */
  const o = {
    runs: options.runs ?? 30,
    warmup: options.warmup ?? 3,
    users: options.users ?? 10_000,
    save: options.save ?? 'inplace',
    editTimeoutMs: options.editTimeoutMs ?? 10_000,
    signal: options.signal,
    progress: options.progress ?? (() => {}),
  };
  /** @type {number | undefined} */
  let debounceMs;
  try {
    debounceMs = (await import('../dist/config/watch.js')).RELOAD_DEBOUNCE_MS;
  } catch {
    debounceMs = undefined;
  }

  const example = readFileSync(EXAMPLE_CONFIG, 'utf8');
  o.progress(`reload: generating a config with ${o.users.toLocaleString('en-US')} users`);
  const cases = [
    { key: 'small', label: 'example config', targetMs: 100, versions: smallVersions(example) },
    { key: 'large', label: `${o.users.toLocaleString('en-US')} users`, targetMs: 500, versions: largeVersions(example, o.users) },
  ];
  const results = [];
  for (const kase of cases) {
    o.progress(`reload: ${kase.label} (${(Buffer.byteLength(kase.versions.a) / 1024).toFixed(0)} KB): ${o.warmup} + ${o.runs} edits`);
    results.push(await runCase(kase, o));
  }

  return {
    name: 'reload',
    title,
    pass: results.every((r) => r.pass),
    columns: /** @type {[string, string][]} */ ([
      ['case', 'config'],
      ['users', 'users'],
      ['size', 'size'],
      ['edits', 'edits'],
      ['median', 'median ms'],
      ['p95', 'p95 ms'],
      ['reloadMedian', 'reload ms (emulator, median)'],
      ['startup', 'startup ms'],
      ['target', 'target (median)'],
      ['result', 'result'],
    ]),
    rows: results.map((r) => ({
      case: r.label,
      users: r.users.toLocaleString('en-US'),
      size: r.bytes >= 1024 * 1024 ? `${(r.bytes / 1024 / 1024).toFixed(1)} MB` : `${(r.bytes / 1024).toFixed(1)} KB`,
      edits: r.visible.n,
      median: ms(r.visible.median),
      p95: ms(r.visible.p95),
      reloadMedian: ms(r.reload.median),
      startup: ms(r.startupMs),
      target: `< ${r.targetMs} ms`,
      result: r.pass ? 'PASS' : 'FAIL',
    })),
    notes: [
      `latency = just before the write → first 200 from /oauth/token for the user the edit added (polled back to back over keep-alive HTTP)`,
      `it includes the watcher debounce${debounceMs === undefined ? '' : ` (${debounceMs} ms)`}, file system event delivery and the reload; "reload ms" is ReloadEvent.ms (read, validate, build, swap)`,
      `save: ${o.save === 'rename' ? 'temp file renamed over the config' : 'written in place'}; ${o.warmup} warm-up edit${o.warmup === 1 ? '' : 's'} per case not counted`,
      ...results.flatMap((r) => [
        ...(r.error ? [`${r.label}: ${r.error}`] : []),
        ...(r.unexpectedErrors.length ? [`${r.label}: ${r.unexpectedErrors.length} unexpected server error(s): ${r.unexpectedErrors[0]}`] : []),
        ...(r.reloadsPerEdit !== null && r.reloadsPerEdit !== 1 ? [`${r.label}: ${r.reloadsPerEdit} reloads per edit (${r.failedReloads} refused)`] : []),
      ]),
    ],
    details: { debounceMs, save: o.save, runs: o.runs, warmup: o.warmup, cases: results },
  };
}

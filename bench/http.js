/**
 * HTTP throughput and latency (issue 6, items 1–3): autocannon over loopback, 10 connections, pipelining 1,
 * against servers that each run in a process of their own (so the load generator, in the bench process,
 * never shares their event loop):
 *
 *   emulator        the CLI (`node dist/cli.js --port 0 --quiet`) on the example config in a temp folder
 *   emulator + rule the same config with one trivial rule (passes user and context through)
 *   signing ceiling the emulator's RSA key and a typical payload (its client-credentials access token)
 *                   signed with node:crypto's async sign, back to back, as many in flight as helps
 *   reference       a minimal koa token endpoint that reads the body and signs that payload (async
 *                   node:crypto sign, pre-imported key): what any RS256 token server costs at least
 *   bare koa        koa answering the emulator's JWKS / discovery body, byte for byte (the framework ceiling)
 *   peers           oauth2-mock-server, oidc-provider and @simulacrum/auth0-simulator (bench/servers/)
 *
 * Measurements that a target compares are taken in `rounds` interleaved rounds (their order reversed every
 * other round) and the ratios are medians of per-round ratios, so a slow spell on a shared machine hits both
 * sides of a comparison; the rest are measured once. Every request is checked once before the load, and
 * any non-2xx answer under load invalidates the figure.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, memoryOf, removeTempDir, runScript, spawnServer } from './lib/children.js';
import { EXAMPLE, exampleRequests, jwtPayload, spawnEmulator, writeExampleConfig } from './lib/emulator.js';
import { measure, once, postForm, postJson } from './lib/load.js';
import { median } from './stats.js';

export const title = 'HTTP throughput and latency (autocannon, 10 connections, loopback; each server in its own process)';

const SERVERS = fileURLToPath(new URL('./servers/', import.meta.url));
const BENCH_CLIENT = { clientId: 'bench', clientSecret: 'bench-secret' };

/**
 * @typedef {object} HttpOptions
 * @property {number} [seconds] per autocannon measurement (default 3)
 * @property {number} [rounds] interleaved rounds of the compared measurements (default 3)
 * @property {number} [warmupSeconds] load before measuring, per request kind (default 1)
 * @property {number} [connections] default 10
 * @property {boolean} [peers] start and measure the peers (default true)
 * @property {AbortSignal} [signal]
 * @property {(line: string) => void} [progress]
 */

/**
 * @typedef {object} Case
 * @property {string} id
 * @property {string} server display name
 * @property {string} request display name
 * @property {import('./lib/load.js').Target} target
 * @property {number} pid the server process
 * @property {boolean} primary measured in every round (it is part of a target)
 * @property {number} signatures RS256 signatures per response (0: none)
 * @property {string} [same] the kind of request, for ratios between servers ("cc", "password", "jwks", "discovery")
 * @property {(res: { status: number, json: any }) => string | undefined} check why the answer is wrong, or undefined
 */

/**
 * @typedef {object} CaseResult
 * @property {string} id
 * @property {string} server
 * @property {string} request
 * @property {number} signatures
 * @property {number} rounds
 * @property {number | null} rps median over rounds
 * @property {number | null} p50 ms, median over rounds
 * @property {number | null} p99 ms, median over rounds
 * @property {number | null} rssMB highest RSS of the server process (and its extension workers) while measured
 * @property {number | null} mainCpuUs the server's main-thread CPU time per answer (µs), median over rounds
 * @property {number | null} totalCpuUs the server's CPU time per answer, all threads (µs), median over rounds
 * @property {number} non2xx
 * @property {number} errors
 * @property {string} [error]
 * @property {Record<string, number | null>} ratios
 * @property {import('./lib/load.js').Measurement[]} samples
 */

/** @param {string[]} keys @returns {(res: { status: number, json: any }) => string | undefined} */
const tokenCheck = (keys) => (res) => {
  if (res.status !== 200) return `HTTP ${res.status}`;
  const missing = keys.filter((k) => typeof res.json?.[k] !== 'string');
  return missing.length ? `no ${missing.join(', ')} in the answer` : undefined;
};
/** @param {(json: any) => boolean} ok @returns {(res: { status: number, json: any }) => string | undefined} */
const jsonCheck = (ok) => (res) => (res.status !== 200 ? `HTTP ${res.status}` : ok(res.json) ? undefined : 'unexpected body');

/**
 * @param {number | null | undefined} a
 * @param {number | null | undefined} b
 */
const div = (a, b) => (a === null || a === undefined || b === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? null : a / b);

/** @param {number | null} x @param {number} [digits] */
export const fmtRatio = (x, digits = 2) => (x === null ? '—' : `${x.toFixed(digits)}×`);
/** @param {number | null} x */
const fmtInt = (x) => (x === null ? '—' : Math.round(x).toLocaleString('en-US'));
/** @param {number | null} x */
const fmtMs = (x) => (x === null ? '—' : x < 10 ? x.toFixed(2) : x.toFixed(1));
/** @param {number | null} x */
const fmtMB = (x) => (x === null ? '—' : x.toFixed(0));
/** @param {(number | null)[]} xs */
const nullableMedian = (xs) => {
  const v = xs.filter((x) => x !== null);
  return v.length ? median(/** @type {number[]} */ (v)) : null;
};
/** @param {number | null} x @param {number} d */
const round = (x, d) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);

/**
 * @param {HttpOptions} [options]
 */
export async function run(options = {}) {
  const o = {
    seconds: options.seconds ?? 3,
    rounds: options.rounds ?? 3,
    warmupSeconds: options.warmupSeconds ?? 1,
    connections: options.connections ?? 10,
    peers: options.peers ?? true,
    signal: options.signal,
    progress: options.progress ?? (() => {}),
  };
  const dir = makeTempDir();
  /** @type {import('./lib/children.js').ServerChild[]} */
  const servers = [];
  /** @type {string[]} */
  const notes = [];
  /** @type {Record<string, string>} */
  const skipped = {};
  try {
    // --- The emulator, and what the baselines copy from it: key, kid, token payload, JWKS and discovery bodies.
    const mainDir = join(dir, 'emulator');
    const ruleDir = join(dir, 'emulator-rule');
    const openidDir = join(dir, 'emulator-openid');
    mkdirSync(mainDir);
    mkdirSync(ruleDir);
    mkdirSync(openidDir);
    o.progress('http: starting the emulator');
    const emulator = await spawnEmulator(writeExampleConfig(mainDir), { name: 'emulator', ...(o.signal ? { signal: o.signal } : {}) });
    servers.push(emulator);
    const req = exampleRequests(emulator.url);
    const cc = await once(req.clientCredentials);
    const jwks = await once(req.jwks);
    const discovery = await once(req.discovery);
    if (cc.status !== 200 || jwks.status !== 200 || discovery.status !== 200) {
      throw new Error(`the emulator does not answer as expected: token ${cc.status}, JWKS ${jwks.status}, discovery ${discovery.status}: ${cc.text.slice(0, 300)}`);
    }
    const payload = jwtPayload(cc.json.access_token);
    delete payload.iat;
    delete payload.exp;
    const baselineFile = join(dir, 'baseline.json');
    writeFileSync(
      baselineFile,
      JSON.stringify({
        pem: readFileSync(join(mainDir, '.auth-emulator', 'keys', `${EXAMPLE.tenant}.pem`), 'utf8'),
        kid: jwks.json.keys[0].kid,
        payload,
        jwksBody: jwks.text,
        discoveryBody: discovery.text,
        audience: EXAMPLE.audience,
        scope: 'read:sample',
        ...BENCH_CLIENT,
      }),
    );

    // --- The signing ceiling, while every server is idle.
    o.progress(`http: signing ceiling (${o.seconds} s)`);
    /** @type {{ sigsPerSecond: number, inFlight: number, sweep: Record<string, number>, threadpool: number, cores: number }} */
    const ceiling = JSON.parse(
      await runScript({ name: 'sign-ceiling', args: [join(SERVERS, 'sign-ceiling.js'), baselineFile, String(o.seconds)], ...(o.signal ? { signal: o.signal } : {}) }),
    );

    // --- Everything else, side by side.
    o.progress('http: starting the rule emulator, the koa baselines' + (o.peers ? ' and the peers' : ''));
    const sig = o.signal ? { signal: o.signal } : {};
    const simDir = join(dir, 'auth0-simulator');
    mkdirSync(simDir);
    const starts = {
      rule: spawnEmulator(writeExampleConfig(ruleDir, { rule: true }), { name: 'emulator + rule', ...sig }),
      // Every openid + offline_access answer issues a refresh token (appended to the store's log): a process
      // of its own, so that state does not weigh on the other measurements.
      openid: spawnEmulator(writeExampleConfig(openidDir), { name: 'emulator (openid)', ...sig }),
      koa: spawnServer({ name: 'koa baselines', args: [join(SERVERS, 'koa-baseline.js'), baselineFile], ...sig }),
      ...(o.peers
        ? {
            mock: spawnServer({ name: 'oauth2-mock-server', args: [join(SERVERS, 'oauth2-mock-server.js'), baselineFile], ...sig }),
            oidc: spawnServer({ name: 'oidc-provider', args: [join(SERVERS, 'oidc-provider.js'), baselineFile], ...sig }),
            sim: spawnServer({ name: 'auth0-simulator', args: [join(SERVERS, 'auth0-simulator.js')], cwd: simDir, ...sig }),
          }
        : {}),
    };
    /** @type {Record<string, import('./lib/children.js').ServerChild>} */
    const up = {};
    for (const [key, start] of Object.entries(starts)) {
      try {
        up[key] = await start;
        servers.push(/** @type {import('./lib/children.js').ServerChild} */ (up[key]));
      } catch (err) {
        o.signal?.throwIfAborted();
        if (key === 'rule' || key === 'koa' || key === 'openid') throw err;
        skipped[key] = err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err);
      }
    }
    const rule = /** @type {import('./lib/children.js').ServerChild} */ (up.rule);
    const koa = /** @type {import('./lib/children.js').ServerChild} */ (up.koa);
    const openidEmulator = /** @type {import('./lib/children.js').ServerChild} */ (up.openid);

    // Tokens the refresh and /userinfo measurements need.
    const openid = await once(req.passwordOpenid);
    const offline = await once(postJson(`${emulator.url}/oauth/token`, { ...JSON.parse(/** @type {string} */ (req.password.body)), scope: 'offline_access read:sample' }));
    if (typeof openid.json?.access_token !== 'string' || typeof offline.json?.refresh_token !== 'string') {
      throw new Error(`could not get the tokens for /userinfo and refresh: ${openid.text.slice(0, 200)} ${offline.text.slice(0, 200)}`);
    }

    /** @type {Case[]} */
    const cases = [
      // Compared by targets: measured every round, in this order (reversed every other round).
      { id: 'reference', server: 'reference (koa + RS256)', request: 'token (1 JWT)', target: postJson(`${koa.url}/oauth/token`, JSON.parse(/** @type {string} */ (req.clientCredentials.body))), pid: koa.pid, primary: true, signatures: 1, check: tokenCheck(['access_token']) },
      { id: 'emulator.cc', server: 'emulator', request: 'client credentials', target: req.clientCredentials, pid: emulator.pid, primary: true, signatures: 1, same: 'cc', check: tokenCheck(['access_token']) },
      { id: 'emulator.password', server: 'emulator', request: 'password (API scope: 1 JWT)', target: req.password, pid: emulator.pid, primary: true, signatures: 1, check: tokenCheck(['access_token']) },
      { id: 'rule.password', server: 'emulator + trivial rule', request: 'password (API scope: 1 JWT)', target: exampleRequests(rule.url).password, pid: rule.pid, primary: true, signatures: 1, check: tokenCheck(['access_token']) },
      { id: 'emulator.passwordOpenid', server: 'emulator', request: 'password (openid offline_access: 2 JWTs + refresh)', target: exampleRequests(openidEmulator.url).passwordOpenid, pid: openidEmulator.pid, primary: true, signatures: 2, same: 'password', check: tokenCheck(['access_token', 'id_token', 'refresh_token']) },
      ...(up.mock
        ? [
            { id: 'mock.cc', server: 'oauth2-mock-server', request: 'client credentials', target: postJson(`${up.mock.url}/token`, { grant_type: 'client_credentials', scope: 'read:sample', aud: EXAMPLE.audience }), pid: up.mock.pid, primary: true, signatures: 1, same: 'cc', check: tokenCheck(['access_token']) },
            { id: 'mock.password', server: 'oauth2-mock-server', request: 'password (2 JWTs + refresh)', target: postJson(`${up.mock.url}/token`, { grant_type: 'password', ...EXAMPLE.user, client_id: EXAMPLE.clientId, scope: 'openid profile email offline_access' }), pid: up.mock.pid, primary: true, signatures: 2, same: 'password', check: tokenCheck(['access_token', 'id_token', 'refresh_token']) },
          ]
        : []),
      ...(up.oidc
        ? [{ id: 'oidc.cc', server: 'oidc-provider', request: 'client credentials (JWT)', target: postForm(`${up.oidc.url}/token`, { grant_type: 'client_credentials', client_id: BENCH_CLIENT.clientId, client_secret: BENCH_CLIENT.clientSecret, scope: 'read:sample' }), pid: up.oidc.pid, primary: true, signatures: 1, same: 'cc', check: (/** @type {{ status: number, json: any }} */ res) => tokenCheck(['access_token'])(res) ?? (String(res.json.access_token).split('.').length === 3 ? undefined : 'the access token is not a JWT') }]
        : []),
      { id: 'bare.jwks', server: 'bare koa', request: `fixed body (${jwks.text.length} B, as JWKS)`, target: { url: `${koa.url}/jwks` }, pid: koa.pid, primary: true, signatures: 0, check: jsonCheck((j) => Array.isArray(j?.keys)) },
      { id: 'emulator.jwks', server: 'emulator', request: 'JWKS', target: req.jwks, pid: emulator.pid, primary: true, signatures: 0, same: 'jwks', check: jsonCheck((j) => Array.isArray(j?.keys)) },
      { id: 'bare.discovery', server: 'bare koa', request: `fixed body (${discovery.text.length} B, as discovery)`, target: { url: `${koa.url}/discovery` }, pid: koa.pid, primary: true, signatures: 0, check: jsonCheck((j) => typeof j?.issuer === 'string') },
      { id: 'emulator.discovery', server: 'emulator', request: 'discovery', target: req.discovery, pid: emulator.pid, primary: true, signatures: 0, same: 'discovery', check: jsonCheck((j) => typeof j?.issuer === 'string') },
      // Measured once.
      { id: 'emulator.passwordRealm', server: 'emulator', request: 'password-realm (API scope: 1 JWT)', target: req.passwordRealm, pid: emulator.pid, primary: false, signatures: 1, check: tokenCheck(['access_token']) },
      { id: 'emulator.refresh', server: 'emulator', request: 'refresh token (1 JWT)', target: req.refresh(offline.json.refresh_token), pid: emulator.pid, primary: false, signatures: 1, check: tokenCheck(['access_token']) },
      { id: 'emulator.userinfo', server: 'emulator', request: '/userinfo (JWT verified)', target: req.userinfo(openid.json.access_token), pid: emulator.pid, primary: false, signatures: 0, check: jsonCheck((j) => typeof j?.sub === 'string') },
      ...(up.sim
        ? simulatorCases(up.sim)
        : []),
      ...(up.mock
        ? [
            { id: 'mock.jwks', server: 'oauth2-mock-server', request: 'JWKS', target: { url: `${up.mock.url}/jwks` }, pid: up.mock.pid, primary: false, signatures: 0, same: 'jwks', check: jsonCheck((j) => Array.isArray(j?.keys)) },
            { id: 'mock.discovery', server: 'oauth2-mock-server', request: 'discovery', target: { url: `${up.mock.url}/.well-known/openid-configuration` }, pid: up.mock.pid, primary: false, signatures: 0, same: 'discovery', check: jsonCheck((j) => typeof j?.issuer === 'string') },
          ]
        : []),
      ...(up.oidc
        ? [
            { id: 'oidc.jwks', server: 'oidc-provider', request: 'JWKS', target: { url: `${up.oidc.url}/jwks` }, pid: up.oidc.pid, primary: false, signatures: 0, same: 'jwks', check: jsonCheck((j) => Array.isArray(j?.keys)) },
            { id: 'oidc.discovery', server: 'oidc-provider', request: 'discovery', target: { url: `${up.oidc.url}/.well-known/openid-configuration` }, pid: up.oidc.pid, primary: false, signatures: 0, same: 'discovery', check: jsonCheck((j) => typeof j?.issuer === 'string') },
          ]
        : []),
    ];

    // --- Every request must be right before it is loaded.
    /** @type {Record<string, string>} */
    const broken = {};
    for (const c of cases) {
      const res = await once(c.target);
      const why = c.check(res);
      if (why) {
        if (c.server.startsWith('emulator') || c.id.startsWith('reference') || c.id.startsWith('bare')) throw new Error(`${c.server} ${c.request}: ${why}: ${res.text.slice(0, 300)}`);
        broken[c.id] = `${why}: ${res.text.slice(0, 200)}`;
      }
    }
    const live = cases.filter((c) => !broken[c.id]);

    // --- Warm-up, then the interleaved rounds, then the rest.
    const primary = live.filter((c) => c.primary);
    const secondary = live.filter((c) => !c.primary);
    o.progress(`http: warming up ${live.length} request kinds (${o.warmupSeconds} s each, half for those measured once)`);
    for (const c of live) await measure(c.target, { seconds: c.primary ? o.warmupSeconds : o.warmupSeconds / 2, connections: o.connections, ...sig });
    /** @type {Map<string, import('./lib/load.js').Measurement[]>} */
    const samples = new Map(live.map((c) => [c.id, []]));
    for (let r = 0; r < o.rounds; r++) {
      const order = r % 2 === 0 ? primary : [...primary].reverse();
      o.progress(`http: round ${r + 1}/${o.rounds}: ${order.length} measurements of ${o.seconds} s`);
      for (const c of order) samples.get(c.id)?.push(await measure(c.target, { seconds: o.seconds, connections: o.connections, pid: c.pid, ...sig }));
    }
    o.progress(`http: ${secondary.length} single measurements of ${o.seconds} s`);
    for (const c of secondary) samples.get(c.id)?.push(await measure(c.target, { seconds: o.seconds, connections: o.connections, pid: c.pid, ...sig }));

    // --- Figures and ratios.
    /** @param {string} id */
    const rpsOf = (id) => {
      const s = samples.get(id) ?? [];
      return s.length ? median(s.map((m) => m.rps)) : null;
    };
    /**
     * a ÷ b: the median of per-round ratios when both were measured in the same rounds, else of the medians.
     * @param {string} a
     * @param {string} b
     */
    const ratio = (a, b) => {
      const sa = samples.get(a) ?? [];
      const sb = samples.get(b) ?? [];
      if (sa.length === 0 || sb.length === 0) return null;
      if (sa.length === sb.length && sa.length > 1) return median(sa.map((m, i) => m.rps / /** @type {import('./lib/load.js').Measurement} */ (sb[i]).rps));
      return div(rpsOf(a), rpsOf(b));
    };
    /** @param {string | undefined} same @param {string} prefix */
    const peerOf = (same, prefix) => (same ? live.find((c) => c.same === same && c.id.startsWith(`${prefix}.`))?.id : undefined);
    /** @type {Record<string, string>} */
    const peerColumns = { mock: 'oauth2-mock-server', oidc: 'oidc-provider', sim: 'auth0-simulator' };

    /** @type {CaseResult[]} */
    const results = cases.map((c) => {
      const s = samples.get(c.id) ?? [];
      const rps = rpsOf(c.id);
      /** @type {Record<string, number | null>} */
      const ratios = {};
      // The ceiling: signatures per second ÷ signatures per response; for bodies without a signature, bare koa.
      if (c.signatures > 0) ratios.ceiling = div(rps, ceiling.sigsPerSecond / c.signatures);
      else if (c.same === 'jwks' || c.same === 'discovery') ratios.ceiling = ratio(c.id, `bare.${c.same}`);
      else if (c.id === 'emulator.userinfo') ratios.ceiling = ratio(c.id, 'bare.jwks');
      if (c.signatures === 1 && c.id !== 'reference') ratios.reference = ratio(c.id, 'reference');
      if (c.server === 'emulator') {
        for (const prefix of Object.keys(peerColumns)) {
          const peer = peerOf(c.same, prefix);
          ratios[prefix] = peer ? ratio(c.id, peer) : null;
        }
      }
      const nums = (/** @type {(m: import('./lib/load.js').Measurement) => number} */ f) => (s.length ? median(s.map(f)) : null);
      const rssValues = s.flatMap((m) => (m.rssMB === null ? [] : [m.rssMB]));
      return {
        id: c.id,
        server: c.server,
        request: c.request,
        signatures: c.signatures,
        rounds: s.length,
        rps: round(rps, 1),
        p50: round(nums((m) => m.p50), 2),
        p99: round(nums((m) => m.p99), 2),
        rssMB: rssValues.length ? round(Math.max(...rssValues), 1) : null,
        mainCpuUs: round(nullableMedian(s.map((m) => m.mainCpuUs)), 0),
        totalCpuUs: round(nullableMedian(s.map((m) => m.totalCpuUs)), 0),
        non2xx: s.reduce((n, m) => n + m.non2xx, 0),
        errors: s.reduce((n, m) => n + m.errors, 0),
        ...(broken[c.id] ? { error: broken[c.id] } : {}),
        ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, round(v, 3)])),
        samples: s.map((m) => ({ ...m, rps: /** @type {number} */ (round(m.rps, 1)), p50: /** @type {number} */ (round(m.p50, 2)), p99: /** @type {number} */ (round(m.p99, 2)) })),
      };
    });
    const invalid = results.filter((r) => r.non2xx > 0 || r.errors > 0);
    for (const r of invalid) notes.push(`${r.server} ${r.request}: ${r.non2xx} non-2xx answers and ${r.errors} errors under load: figure invalid`);
    for (const [id, why] of Object.entries(broken)) notes.push(`${id}: not measured: ${why}`);
    for (const [key, why] of Object.entries(skipped)) notes.push(`${peerColumns[key] ?? key}: not measured: could not start: ${why}`);

    const emulatorMemory = memoryOf(emulator.pid);
    const openidMemory = memoryOf(openidEmulator.pid);
    const openidSamples = samples.get('emulator.passwordOpenid') ?? [];
    const refreshTokens = countRefreshTokens(join(openidDir, '.auth-emulator', 'store.jsonl'));
    /** @param {string} id */
    const get = (id) => results.find((r) => r.id === id);
    /** @param {string} id @param {string} key */
    const r = (id, key) => get(id)?.ratios[key] ?? null;
    const emulatorRows = results.filter((x) => x.server === 'emulator' && x.p99 !== null);
    const worstP99 = emulatorRows.reduce((w, x) => (w === undefined || /** @type {number} */ (x.p99) > /** @type {number} */ (w.p99) ? x : w), /** @type {CaseResult | undefined} */ (undefined));
    const ruleRatio = ratio('rule.password', 'emulator.password');
    const ruleCost = ruleRatio === null ? null : 1 - ruleRatio;
    const validIds = new Set(results.filter((x) => x.non2xx === 0 && x.errors === 0 && !x.error && x.rps !== null).map((x) => x.id));
    /** @param {string[]} ids */
    const valid = (...ids) => ids.every((id) => validIds.has(id));
    /** @type {Target[]} */
    const targets = [
      ratioTarget('cc-vs-reference', 'client credentials ≥ 90% of the koa + RS256 reference', r('emulator.cc', 'reference'), 0.9, valid('emulator.cc', 'reference')),
      ratioTarget('password-vs-reference', 'password grant ≥ 90% of the koa + RS256 reference (1 JWT each)', r('emulator.password', 'reference'), 0.9, valid('emulator.password', 'reference')),
      ratioTarget('cc-vs-oauth2-mock-server', 'client credentials ≥ 2.5× oauth2-mock-server', r('emulator.cc', 'mock'), 2.5, valid('emulator.cc', 'mock.cc')),
      ratioTarget('password-vs-oauth2-mock-server', 'password grant ≥ 2.5× oauth2-mock-server (2 JWTs + refresh each)', r('emulator.passwordOpenid', 'mock'), 2.5, valid('emulator.passwordOpenid', 'mock.password')),
      ratioTarget('cc-vs-oidc-provider', 'client credentials ≥ 1.5× oidc-provider (JWT access token)', r('emulator.cc', 'oidc'), 1.5, valid('emulator.cc', 'oidc.cc')),
      {
        id: 'p99',
        label: `p99 < 10 ms at ${o.connections} connections (every emulator endpoint)`,
        value: worstP99 ? `worst ${fmtMs(worstP99.p99)} ms (${worstP99.request})` : '—',
        measured: worstP99?.p99 ?? null,
        threshold: '< 10 ms',
        pass: worstP99 !== undefined && /** @type {number} */ (worstP99.p99) < 10 && emulatorRows.every((x) => validIds.has(x.id)),
      },
      {
        id: 'rule-cost',
        label: 'a trivial rule costs < 15% on the password grant',
        value: ruleCost === null ? '—' : `${(ruleCost * 100).toFixed(1)}% (${fmtRatio(ruleRatio)} of no rule)`,
        measured: round(ruleCost, 3),
        threshold: '< 15%',
        pass: ruleCost !== null && ruleCost < 0.15 && valid('rule.password', 'emulator.password'),
      },
      ratioTarget('jwks-vs-bare-koa', 'JWKS ≥ 80% of bare koa (same body)', r('emulator.jwks', 'ceiling'), 0.8, valid('emulator.jwks', 'bare.jwks')),
      ratioTarget('discovery-vs-bare-koa', 'discovery ≥ 80% of bare koa (same body)', r('emulator.discovery', 'ceiling'), 0.8, valid('emulator.discovery', 'bare.discovery')),
    ];

    const peersShown = Object.keys(peerColumns).filter((k) => up[k]);
    notes.unshift(
      `signing ceiling: ${fmtInt(ceiling.sigsPerSecond)} RS256 signatures/s (${ceiling.inFlight} in flight, node:crypto async sign, libuv threadpool ${ceiling.threadpool}, ${ceiling.cores} cores; sweep ${Object.entries(ceiling.sweep).map(([n, v]) => `${n}:${fmtInt(v)}`).join(' ')})`,
      `emulator process: peak RSS ${fmtMB(emulatorMemory.hwmMB)} MB over the whole run (VmHWM), ${fmtMB(emulatorMemory.rssMB)} MB at the end`,
      `the openid password row runs on an emulator process of its own (peak RSS ${fmtMB(openidMemory.hwmMB)} MB): each answer issues a refresh token (the store keeps the newest 200 per user and application, as Auth0 does); req/s by measurement ${openidSamples.map((m) => fmtInt(m.rps)).join(' → ')}, loop µs/req ${openidSamples.map((m) => fmtInt(m.mainCpuUs)).join(' → ')}, with ${refreshTokens.count === null ? '?' : fmtInt(refreshTokens.count)} live refresh tokens (${refreshTokens.bytes === null ? '?' : (refreshTokens.bytes / 2 ** 20).toFixed(2)} MB store.jsonl) at the end`,
      `req/s = 2xx answers per second; p50/p99 from every response time; figures in every round are medians of ${o.rounds} rounds of ${o.seconds} s, the others one run of ${o.seconds} s; ${o.warmupSeconds} s warm-up per request kind`,
      '"loop µs/req": the server\'s main-thread (event loop) CPU time per answer; "CPU µs/req": all its threads (with the libuv pool that signs) and its extension worker processes; from /proc, 10 ms ticks',
      '"vs ceiling": token rows ÷ (signatures/s ÷ JWTs per answer); JWKS, discovery and /userinfo rows ÷ bare koa. "vs reference" and peer columns: ratio of req/s on the same request (median of per-round ratios)',
      'oauth2-mock-server and the emulator\'s openid password row both answer with an access token, an ID token and a refresh token; auth0-simulator likewise (and signs synchronously with its own key); oidc-provider is form-encoded',
    );

    return {
      name: 'http',
      title,
      pass: targets.every((t) => t.pass),
      columns: /** @type {[string, string][]} */ ([
        ['server', 'server'],
        ['request', 'request'],
        ['rps', 'req/s'],
        ['p50', 'p50 ms'],
        ['p99', 'p99 ms'],
        ['rss', 'RSS MB'],
        ['mainCpu', 'loop µs/req'],
        ['totalCpu', 'CPU µs/req'],
        ['ceiling', 'vs ceiling'],
        ['reference', 'vs reference'],
        ...peersShown.map((k) => /** @type {[string, string]} */ ([k, `vs ${peerColumns[k]}`])),
      ]),
      rows: [
        { server: 'signing ceiling', request: 'node:crypto async sign', rps: fmtInt(ceiling.sigsPerSecond), p50: '', p99: '', rss: '', mainCpu: '', totalCpu: '', ceiling: fmtRatio(1), reference: '' },
        ...results.map((x) => ({
          server: x.server,
          request: x.request + (x.error ? ' (broken)' : x.non2xx || x.errors ? ' (invalid)' : ''),
          rps: fmtInt(x.rps),
          p50: fmtMs(x.p50),
          p99: fmtMs(x.p99),
          rss: fmtMB(x.rssMB),
          mainCpu: fmtInt(x.mainCpuUs),
          totalCpu: fmtInt(x.totalCpuUs),
          ceiling: fmtRatio(x.ratios.ceiling ?? null),
          reference: x.id === 'reference' ? fmtRatio(1) : fmtRatio(x.ratios.reference ?? null),
          ...Object.fromEntries(peersShown.map((k) => [k, x.server === 'emulator' ? fmtRatio(x.ratios[k] ?? null) : ''])),
        })),
      ],
      targets,
      notes,
      details: {
        seconds: o.seconds,
        rounds: o.rounds,
        warmupSeconds: o.warmupSeconds,
        connections: o.connections,
        ceiling,
        emulatorPeakRssMB: round(emulatorMemory.hwmMB, 1),
        emulatorRssMB: round(emulatorMemory.rssMB, 1),
        openidEmulatorPeakRssMB: round(openidMemory.hwmMB, 1),
        openidRefreshTokens: refreshTokens,
        bodyBytes: { jwks: jwks.text.length, discovery: discovery.text.length },
        skipped,
        cases: results,
      },
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    removeTempDir(dir);
  }
}

/**
 * How many refresh tokens an emulator's state file (src/store/file-store.ts) holds, and its size.
 * @param {string} file
 * @returns {{ count: number | null, bytes: number | null }}
 */
function countRefreshTokens(file) {
  try {
    const text = readFileSync(file, 'utf8');
    /** @type {Map<string, string[]>} live refresh tokens, with their groups */
    const live = new Map();
    for (const line of text.split('\n')) {
      if (!line) continue;
      const change = JSON.parse(line);
      if (change.set === 'RefreshToken') live.set(change.id, change.groups ?? []);
      else if (change.delete === 'RefreshToken') live.delete(change.id);
      else if (change.deleteGroup) {
        for (const [id, groups] of live) if (groups.includes(change.deleteGroup)) live.delete(id);
      } else if (change.clear) live.clear();
    }
    return { count: live.size, bytes: Buffer.byteLength(text) };
  } catch {
    return { count: null, bytes: null };
  }
}

/**
 * @typedef {object} Target
 * @property {string} id
 * @property {string} label
 * @property {string} value what was measured, for the table
 * @property {number | null} measured the number compared with the threshold
 * @property {string} threshold
 * @property {boolean} pass
 */

/**
 * @param {string} id
 * @param {string} label
 * @param {number | null} value
 * @param {number} min
 * @param {boolean} valid
 * @returns {Target}
 */
export function ratioTarget(id, label, value, min, valid) {
  return { id, label, value: fmtRatio(value), measured: value, threshold: `≥ ${min}×`, pass: valid && value !== null && value >= min };
}

/**
 * The auth0-simulator's cases: its default client, audience and user (printed by bench/servers/auth0-simulator.js).
 * @param {import('./lib/children.js').ServerChild} sim
 * @returns {Case[]}
 */
function simulatorCases(sim) {
  const line = sim
    .output()
    .split('\n')
    .find((l) => l.startsWith('{'));
  /** @type {{ user: { email: string, password: string }, clientId: string, audience: string }} */
  const info = JSON.parse(line ?? '{}');
  const token = `${sim.url}/oauth/token`;
  return [
    { id: 'sim.cc', server: 'auth0-simulator', request: 'client credentials', target: postJson(token, { grant_type: 'client_credentials', client_id: info.clientId, client_secret: 'unused', audience: info.audience }), pid: sim.pid, primary: false, signatures: 1, same: 'cc', check: tokenCheck(['access_token']) },
    { id: 'sim.password', server: 'auth0-simulator', request: 'password (2 JWTs + refresh)', target: postJson(token, { grant_type: 'password', username: info.user.email, password: info.user.password, client_id: info.clientId, audience: info.audience, scope: 'openid profile email offline_access' }), pid: sim.pid, primary: false, signatures: 2, same: 'password', check: tokenCheck(['access_token', 'id_token', 'refresh_token']) },
    { id: 'sim.jwks', server: 'auth0-simulator', request: 'JWKS', target: { url: `${sim.url}/.well-known/jwks.json` }, pid: sim.pid, primary: false, signatures: 0, same: 'jwks', check: jsonCheck((j) => Array.isArray(j?.keys)) },
    { id: 'sim.discovery', server: 'auth0-simulator', request: 'discovery', target: { url: `${sim.url}/.well-known/openid-configuration` }, pid: sim.pid, primary: false, signatures: 0, same: 'discovery', check: jsonCheck((j) => typeof j?.issuer === 'string') },
  ];
}

/**
 * The CLI as a user runs it: `node dist/cli.js …` in a child process, in a fresh temp directory.
 * Needs `npm run build` first (`npm test` does it). Every process is killed in afterEach, every wait bounded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API, EXAMPLE_CONFIG, decodeHeader, holdPortOnIpv6Only, tempDir, writeTemp } from './helpers.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const EXAMPLE_TEXT = readFileSync(EXAMPLE_CONFIG, 'utf8');
const WAIT_MS = 10_000;

// ---------------------------------------------------------------------------------------------------------
// Process plumbing

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Cli {
  readonly child: ChildProcess;
  /** The port from the "Ready on" line, once ready() has seen it. */
  port?: number;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<Exit>;
  /** Resolves with the first match of `re` on stdout; rejects on timeout or if the process exits first. */
  waitForStdout(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];

/** A fresh temp dir (real path, so it matches the child's process.cwd()), removed in afterAll. */
function freshDir(): string {
  const dir = realpathSync(tempDir('auth-emulator-cli-'));
  dirs.push(dir);
  return dir;
}

/** The parent's environment without any AUTH_EMULATOR_* variable, plus `extra`. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AUTH_EMULATOR_')) env[k] = v;
  return { ...env, NO_COLOR: '1', ...extra };
}

function within<T>(promise: Promise<T>, ms: number, what: string, details: () => string = () => ''): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms waiting for ${what}${details()}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function cli(args: string[], options: { cwd: string; env?: Record<string, string> }): Cli {
  return spawnTracked(process.execPath, [CLI, ...args], options);
}

/** Spawns a process that afterEach kills if it is still running. */
function spawnTracked(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Cli {
  const child = spawn(command, args, { cwd: options.cwd, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  // 'close' (not 'exit') so that all of stdout/stderr has been read when `exited` resolves.
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  const details = () => `\n--- stdout ---\n${out}\n--- stderr ---\n${err}`;
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStdout(re, ms = WAIT_MS) {
      const found = new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = () => {
          const match = re.exec(out);
          if (match) {
            child.stdout!.off('data', check);
            resolve(match);
          }
        };
        child.stdout!.on('data', check);
        check();
        void exited.then(() => {
          check();
          reject(new Error(`the process exited before printing ${re}${details()}`));
        });
      });
      return within(found, ms, `${re} on stdout`, details);
    },
  };
}

/** Runs the CLI to completion (bounded). */
async function run(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const p = cli(args, options);
  const exit = await within(p.exited, WAIT_MS, `auth-emulator ${args.join(' ')} to exit`);
  return { ...exit, stdout: p.stdout(), stderr: p.stderr() };
}

const READY = /^Ready on (https?:\/\/127\.0\.0\.1:(\d+)) \(Ctrl-C to stop\)$/m;

/** Waits for the banner's "Ready on" line; returns the base URL and the port actually bound. */
async function ready(p: Cli): Promise<{ url: string; port: number }> {
  const m = await p.waitForStdout(READY);
  p.port = Number(m[2]);
  return { url: m[1]!, port: p.port };
}

/** Sends a signal and waits (bounded) for the process to exit. */
async function stop(p: Cli, signal: NodeJS.Signals = 'SIGINT'): Promise<Exit> {
  p.child.kill(signal);
  return within(p.exited, WAIT_MS, `exit after ${signal}`);
}

afterEach(async () => {
  const left = [...children];
  for (const child of left) child.kill('SIGKILL');
  await Promise.all(left.map((child) => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('close', r)))));
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before these tests`);
});

// ---------------------------------------------------------------------------------------------------------
// Configs

/** The example config with distinctive secrets, so a leak into the output cannot be a coincidence. */
const USER_PASSWORD = 'pw-Zq8TRv1-never-print';
const CLIENT_SECRET = 'cs-Xk41LmN-never-print';
const WRONG_PASSWORD = 'wrong-Yv93Pd-never-print';
const USER_CONFIG = EXAMPLE_TEXT.replaceAll('trusted-app-secret', CLIENT_SECRET).replaceAll('password: pwd', `password: ${USER_PASSWORD}`);

/** `text` with `from` replaced exactly once (fails loudly if the example config changes under the test). */
function replaceOnce(text: string, from: string, to: string): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

/** 1-based line:column of the first occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string): string {
  const index = text.indexOf(needle);
  expect(index).toBeGreaterThanOrEqual(0);
  const before = text.slice(0, index).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

const demoCurlBody = {
  grant_type: 'password',
  username: 'user@example.com',
  password: 'pwd',
  audience: API,
  scope: 'openid profile email offline_access',
  client_id: 'trusted-app',
  client_secret: 'trusted-app-secret',
};

function expectedBanner(o: { port: number; config: string; state: string; curlBody: Record<string, string> }): string {
  const { port } = o;
  return [
    `auth-emulator ${VERSION}: a local Auth0 look-alike`,
    `  config  ${o.config}`,
    `  state   ${o.state}`,
    '',
    `tenant dev  issuer http://127.0.0.1:${port}/`,
    `  also at http://localhost:${port}/dev/  http://dev.localhost:${port}/`,
    '  clients trusted-app (non_interactive, client_secret_post), spa (spa, none), web-app (regular_web, client_secret_basic)',
    '  users   Username-Password-Authentication: user@example.com',
    '  users   employees: boss@corp.example, user@example.com',
    '  apis    https://someapi.com/api, https://orders.example/api',
    '',
    'Try a password grant:',
    `  curl -s http://127.0.0.1:${port}/oauth/token -H 'content-type: application/json' -d '${JSON.stringify(o.curlBody)}'`,
    '',
    'Open the login page in a browser (as spa; it returns to http://localhost:3000):',
    `  http://localhost:${port}/authorize?client_id=spa&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A3000&scope=openid%20profile%20email`,
    '',
    `Ready on http://127.0.0.1:${port} (Ctrl-C to stop)`,
    '',
  ].join('\n');
}

function postJson(url: string, body: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

const LOG_MS = String.raw`\d+(?:\.\d)?ms`;

// ---------------------------------------------------------------------------------------------------------

describe('auth-emulator start', () => {
  it('without ./auth.config.yaml starts the built-in demo, and the printed curl command works as pasted', async () => {
    const dir = freshDir();
    const p = cli(['--port', '0'], { cwd: dir });
    const { port, url } = await ready(p);
    expect(port).toBeGreaterThan(0);

    const banner = expectedBanner({
      port,
      config: 'built-in demo (no ./auth.config.yaml here; this is the example config from README)',
      state: join(dir, '.auth-emulator'),
      curlBody: demoCurlBody,
    });
    expect(p.stdout()).toBe(banner);
    expect(p.stderr()).toBe('');

    // Run the banner's curl line exactly as printed.
    const curlLine = /^ {2}(curl -s .*)$/m.exec(p.stdout())?.[1];
    expect(curlLine).toBeDefined();
    const curl = spawnTracked('sh', ['-c', curlLine!], { cwd: dir });
    const curlExit = await within(curl.exited, WAIT_MS, 'curl');
    expect(curlExit).toEqual({ code: 0, signal: null });
    expect(curl.stderr()).toBe('');
    const body = curl.stdout();
    const token = JSON.parse(body) as Record<string, unknown>;
    expect(Object.keys(token).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'refresh_token', 'scope', 'token_type']);
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 86400 });
    expect(token.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    // The request is logged (text format by default).
    await p.waitForStdout(new RegExp(`^POST /oauth/token dev password trusted-app 200 ${LOG_MS}$`, 'm'));

    // The banner's login-page URL, as a browser follows it: /authorize, then the login form.
    const loginUrl = /^Open the login page in a browser .*\n {2}(\S+)$/m.exec(p.stdout())![1]!;
    const authorize = await fetch(loginUrl, { redirect: 'manual' });
    expect(authorize.status).toBe(302);
    const loginPage = await fetch(new URL(authorize.headers.get('location')!, loginUrl));
    expect(loginPage.status).toBe(200);
    expect(await loginPage.text()).toContain('id="username"');
    // The demo's state folder is the cwd's .auth-emulator/.
    expect(existsSync(join(dir, '.auth-emulator', 'keys', 'dev.pem'))).toBe(true);
    expect(url).toBe(`http://127.0.0.1:${port}`);

    const exit = await stop(p);
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('with an unchanged copy of the example config (a fresh clone), the banner’s curl also works as pasted', async () => {
    const dir = freshDir();
    const file = writeTemp(dir, 'auth.config.yaml', EXAMPLE_TEXT);
    const p = cli(['--port', '0', '--quiet'], { cwd: dir });
    const { port } = await ready(p);
    expect(p.stdout()).toBe(expectedBanner({ port, config: file, state: join(dir, '.auth-emulator'), curlBody: demoCurlBody }));
    const curlLine = /^ {2}(curl -s .*)$/m.exec(p.stdout())![1]!;
    const curl = spawnTracked('sh', ['-c', curlLine], { cwd: dir });
    expect(await within(curl.exited, WAIT_MS, 'curl')).toEqual({ code: 0, signal: null });
    expect(JSON.parse(curl.stdout())).toMatchObject({ token_type: 'Bearer', refresh_token: expect.stringMatching(/^v1\./) });
    expect(await stop(p)).toEqual({ code: 0, signal: null });
  });

  it('with --config: logs requests as text, never prints the password or client secret, exits 0 on SIGINT', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'conf'));
    const file = writeTemp(join(dir, 'conf'), 'my.yaml', USER_CONFIG);
    const p = cli(['--config', 'conf/my.yaml', '--port', '0'], { cwd: dir });
    const { port, url } = await ready(p);

    expect(p.stdout()).toBe(
      expectedBanner({
        port,
        config: file,
        state: join(dir, 'conf', '.auth-emulator'),
        curlBody: { ...demoCurlBody, password: '<password>', client_secret: '<client_secret>' },
      }),
    );

    const ok = await postJson(`${url}/oauth/token`, {
      grant_type: 'password',
      username: 'user@example.com',
      password: USER_PASSWORD,
      audience: API,
      client_id: 'trusted-app',
      client_secret: CLIENT_SECRET,
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { access_token?: unknown }).access_token).toEqual(expect.any(String));
    await p.waitForStdout(new RegExp(`^POST /oauth/token dev password trusted-app 200 ${LOG_MS}$`, 'm'));

    // A failure is logged with its code and private reason, still without the credentials.
    const bad = await postJson(`${url}/dev/oauth/token`, {
      grant_type: 'password',
      username: 'user@example.com',
      password: WRONG_PASSWORD,
      client_id: 'trusted-app',
      client_secret: CLIENT_SECRET,
    });
    expect(bad.status).toBe(403);
    await p.waitForStdout(new RegExp(`^POST /dev/oauth/token dev password trusted-app 403 ${LOG_MS} invalid_grant \\(wrong password\\)$`, 'm'));

    const exit = await stop(p, 'SIGINT');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(p.stdout()).toMatch(/\n\nStopping\.\.\.\n$/);

    const all = p.stdout() + p.stderr();
    for (const secret of [USER_PASSWORD, CLIENT_SECRET, WRONG_PASSWORD]) expect(all).not.toContain(secret);
    expect(p.stderr()).toBe('');
    // Exactly: banner, the two log lines, the stop notice.
    const afterBanner = p.stdout().slice(p.stdout().indexOf('(Ctrl-C to stop)\n') + '(Ctrl-C to stop)\n'.length);
    expect(afterBanner.split('\n')).toEqual([expect.stringMatching(/^POST \/oauth\/token /), expect.stringMatching(/^POST \/dev\/oauth\/token /), '', 'Stopping...', '']);
  });

  // Issue 10, friction: a blocked user's line said `unauthorized` and nothing more.
  it('logs why a blocked user was refused, on the password and the refresh grant, without password or token', async () => {
    const dir = freshDir();
    const file = writeTemp(dir, 'auth.config.yaml', USER_CONFIG);
    const p = cli(['-c', file, '-p', '0', '--no-watch'], { cwd: dir });
    const { url } = await ready(p);
    const login = { grant_type: 'password', username: 'user@example.com', password: USER_PASSWORD, audience: API, scope: 'offline_access', client_id: 'trusted-app', client_secret: CLIENT_SECRET };
    const refreshToken = ((await (await postJson(`${url}/oauth/token`, login)).json()) as { refresh_token: string }).refresh_token;
    const users = (await (await fetch(`${url}/__emulator/users`)).json()) as { user_id: string; email: string; identities: { connection: string }[] }[];
    const user = users.find((u) => u.email === 'user@example.com' && u.identities[0]!.connection === 'Username-Password-Authentication')!;
    expect((await fetch(`${url}/__emulator/users/${encodeURIComponent(user.user_id)}/block`, { method: 'POST' })).status).toBe(200);

    expect((await postJson(`${url}/oauth/token`, login)).status).toBe(401);
    await p.waitForStdout(new RegExp(`^POST /oauth/token dev password trusted-app 401 ${LOG_MS} unauthorized \\(user@example\\.com is blocked\\)$`, 'm'));
    const refresh = await postJson(`${url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'trusted-app', client_secret: CLIENT_SECRET });
    expect(refresh.status).toBe(403);
    expect(await refresh.json()).toEqual({ error: 'invalid_grant', error_description: 'user is blocked' });
    await p.waitForStdout(new RegExp(`^POST /oauth/token dev refresh_token trusted-app 403 ${LOG_MS} invalid_grant \\(user@example\\.com is blocked\\)$`, 'm'));

    expect(await stop(p)).toEqual({ code: 0, signal: null });
    for (const secret of [USER_PASSWORD, CLIENT_SECRET, refreshToken]) expect(p.stdout() + p.stderr()).not.toContain(secret);
  });

  it('--log-format json prints one JSON object per request line; SIGTERM also exits 0', async () => {
    const dir = freshDir();
    const file = writeTemp(dir, 'auth.config.yaml', USER_CONFIG);
    const p = cli(['-c', file, '-p', '0', '--log-format', 'json'], { cwd: dir });
    const readyEvent = await p.waitForStdout(/^\{"time":"[^"]+","event":"ready","url":"(http:\/\/127\.0\.0\.1:\d+)"\}$/m);
    const url = readyEvent[1]!;
    expect(p.stderr()).toMatch(READY);

    const res = await postJson(`${url}/oauth/token`, {
      grant_type: 'password',
      username: 'user@example.com',
      password: USER_PASSWORD,
      client_id: 'trusted-app',
      client_secret: CLIENT_SECRET,
    });
    expect(res.status).toBe(200);
    const cc = await postJson(`${url}/oauth/token`, { grant_type: 'client_credentials', audience: API, client_id: 'trusted-app', client_secret: CLIENT_SECRET });
    expect(cc.status).toBe(200);
    await p.waitForStdout(/^\{.*"client_credentials".*\}$/m);

    // stdout is JSON lines only: the ready event, then one line per request.
    const logLines = p.stdout().split('\n').filter((l) => l !== '').slice(1);
    expect(logLines).toHaveLength(2);
    const entries = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries[0]).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      id: expect.stringMatching(/^[0-9a-f]{8}$/),
      method: 'POST',
      path: '/oauth/token',
      status: 200,
      ms: expect.any(Number),
      tenant: 'dev',
      grant: 'password',
      client: 'trusted-app',
      user: expect.stringMatching(/^auth0\|[0-9a-f]{24}$/),
    });
    expect(entries[1]).toMatchObject({ method: 'POST', path: '/oauth/token', tenant: 'dev', grant: 'client_credentials', client: 'trusted-app', status: 200 });

    const exit = await stop(p, 'SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(p.stderr()).toMatch(/\nStopping\.\.\.\n$/);
    for (const line of p.stdout().split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
    for (const secret of [USER_PASSWORD, CLIENT_SECRET]) expect(p.stdout() + p.stderr()).not.toContain(secret);
  });

  it('SIGINT sent the moment "Ready on" is printed is a clean stop', async () => {
    for (let i = 0; i < 3; i++) {
      const p = cli(['--quiet', '--port', '0'], { cwd: freshDir() });
      await ready(p);
      expect(await stop(p, 'SIGINT')).toEqual({ code: 0, signal: null });
    }
  });

  it('--quiet logs no requests; SIGINT prints "Stopping..." and exits 0', async () => {
    const dir = freshDir();
    writeTemp(dir, 'auth.config.yaml', USER_CONFIG);
    const p = cli(['--quiet', '--port', '0'], { cwd: dir });
    const { url } = await ready(p);
    expect((await fetch(`${url}/.well-known/jwks.json`)).status).toBe(200);
    const exit = await stop(p, 'SIGINT');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(p.stdout()).toMatch(/\(Ctrl-C to stop\)\n\nStopping\.\.\.\n$/);
    expect(p.stderr()).toBe('');
  });
});

describe('ports', () => {
  let blocker: Server;
  let busy: number;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    busy = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => blocker.close(() => r())));

  const busyMessage = (port: number) => `Port ${port} is already in use. Start on another port with --port <n> (or AUTH_EMULATOR_PORT=<n>).\n`;

  it('a busy --port exits 1 with one line on stderr', async () => {
    const r = await run(['--port', String(busy)], { cwd: freshDir() });
    expect(r).toMatchObject({ code: 1, stderr: busyMessage(busy) });
    expect(r.stdout).toBe('');
  });

  it('AUTH_EMULATOR_PORT chooses the port (busy: same message), and --port wins over it', async () => {
    const dir = freshDir();
    const [viaEnv, free] = await Promise.all([
      run([], { cwd: dir, env: { AUTH_EMULATOR_PORT: String(busy) } }),
      (async () => {
        const p = cli(['--port', '0'], { cwd: freshDir(), env: { AUTH_EMULATOR_PORT: String(busy) } });
        const { port } = await ready(p);
        expect(port).not.toBe(busy);
        return stop(p);
      })(),
    ]);
    expect(viaEnv).toMatchObject({ code: 1, stdout: '', stderr: busyMessage(busy) });
    expect(free).toEqual({ code: 0, signal: null });
  });

  it('AUTH_EMULATOR_PORT starts on that port when it is free', async () => {
    // Find a free port, release it, then hand it to the CLI (a tiny race, acceptable locally).
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));

    const p = cli([], { cwd: freshDir(), env: { AUTH_EMULATOR_PORT: String(port) } });
    expect((await ready(p)).port).toBe(port);
    expect((await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).status).toBe(200);
    expect(await stop(p)).toEqual({ code: 0, signal: null });
  });

  // Issue 10, friction: `curl -6 http://localhost:4400` was refused.
  it('answers on the IPv6 loopback too (same port), and refuses a port another program holds on ::1', async () => {
    const p = cli(['--port', '0', '--quiet'], { cwd: freshDir() });
    const { port } = await ready(p);
    expect((await fetch(`http://[::1]:${port}/.well-known/jwks.json`)).status).toBe(200);
    expect(await stop(p)).toEqual({ code: 0, signal: null });

    const { port: taken, close } = await holdPortOnIpv6Only();
    try {
      const r = await run(['--port', String(taken)], { cwd: freshDir() });
      expect(r).toEqual({
        code: 1,
        signal: null,
        stdout: '',
        stderr: `Port ${taken} is already in use on ::1 (the IPv6 loopback) by another program. Start on another port with --port <n> (or AUTH_EMULATOR_PORT=<n>).\n`,
      });
    } finally {
      await close();
    }
  });

  it('an address that cannot be bound exits 1 with one line', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never a local address, so listen fails with EADDRNOTAVAIL.
    const r = await run(['--host', '192.0.2.1', '--port', '0'], { cwd: freshDir() });
    expect(r).toEqual({ code: 1, signal: null, stdout: '', stderr: 'Cannot listen on 192.0.2.1:0 (EADDRNOTAVAIL). Check --host and --port.\n' });
  });


  it('rejects an invalid port from --port or the environment', async () => {
    const dir = freshDir();
    const [flag, env, big] = await Promise.all([
      run(['--port', '12ab'], { cwd: dir }),
      run([], { cwd: dir, env: { AUTH_EMULATOR_PORT: 'abc' } }),
      run(['-p', '65536'], { cwd: dir }),
    ]);
    expect(flag).toMatchObject({ code: 1, stdout: '', stderr: 'Invalid port "12ab": expected a number from 0 to 65535.\n' });
    expect(env).toMatchObject({ code: 1, stdout: '', stderr: 'Invalid port "abc": expected a number from 0 to 65535.\n' });
    expect(big).toMatchObject({ code: 1, stdout: '', stderr: 'Invalid port "65536": expected a number from 0 to 65535.\n' });
  });
});

describe('auth-emulator check', () => {
  it('accepts the example config (./auth.config.yaml, --config, and the built-in demo)', async () => {
    const dir = freshDir();
    const file = join(dir, 'auth.config.yaml');
    copyFileSync(EXAMPLE_CONFIG, file);
    const elsewhere = freshDir();
    const summary = '1 tenant(s), 3 client(s), 2 API(s), 3 user(s).';
    const [local, explicit, demo] = await Promise.all([
      run(['check'], { cwd: dir }),
      run(['check', '--config', file], { cwd: elsewhere }),
      run(['check'], { cwd: freshDir() }),
    ]);
    expect(local).toEqual({ code: 0, signal: null, stdout: `${file} is valid: ${summary}\n`, stderr: '' });
    expect(explicit).toEqual({ code: 0, signal: null, stdout: `${file} is valid: ${summary}\n`, stderr: '' });
    expect(demo).toEqual({ code: 0, signal: null, stdout: `built-in demo config is valid: ${summary}\n`, stderr: '' });
    // check writes no state.
    expect(existsSync(join(dir, '.auth-emulator'))).toBe(false);
  });

  it('warns, with file and line, of clients that can never complete a browser login, and still exits 0', async () => {
    const dir = freshDir();
    const text = [
      'tenants:',
      '  - name: dev',
      '    clients:',
      '      - client_id: spa-without-callbacks',
      '        app_type: spa',
      '      - client_id: web-without-the-grant',
      '        client_secret: s',
      '        grant_types: [client_credentials, refresh_token]',
      '        callbacks: [http://localhost:3000/callback]',
      '      - client_id: native-with-implicit',
      '        app_type: native',
      '        grant_types: [implicit]',
      '      - client_id: m2m',
      '        client_secret: s',
      '        app_type: non_interactive',
      '      - client_id: ready',
      '        app_type: spa',
      '        callbacks: [http://localhost:3000]',
      '',
    ].join('\n');
    const file = writeTemp(dir, 'auth.config.yaml', text);
    const r = await run(['check'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${file} is valid: 1 tenant(s), 5 client(s), 0 API(s), 0 user(s).\n`);
    expect(r.stderr).toBe(
      [
        `Warning: ${file}:4:20  tenants[0].clients[0].client_id: this client can never complete a browser login: the default grant_types of app_type spa allow authorization_code and implicit, but it has no \`callbacks\` (Allowed Callback URLs) for /authorize to return to`,
        '      3 |     clients:',
        '    > 4 |       - client_id: spa-without-callbacks',
        '        |                    ^',
        `Warning: ${file}:8:9  tenants[0].clients[1].grant_types: this client can never complete a browser login: it has \`callbacks\`, but its grant_types allow neither authorization_code nor implicit`,
        '      7 |         client_secret: s',
        '    > 8 |         grant_types: [client_credentials, refresh_token]',
        '        |         ^',
        `Warning: ${file}:10:20  tenants[0].clients[2].client_id: this client can never complete a browser login: its grant_types allow implicit, but it has no \`callbacks\` (Allowed Callback URLs) for /authorize to return to`,
        '       9 |         callbacks: [http://localhost:3000/callback]',
        '    > 10 |       - client_id: native-with-implicit',
        '         |                    ^',
        '',
      ].join('\n'),
    );
    // The example config (the built-in demo) has none.
    expect((await run(['check', '--config', EXAMPLE_CONFIG], { cwd: dir })).stderr).toBe('');
  });

  it('reports a broken config with the file, line:column, path and expectation, and exits 1', async () => {
    const dir = freshDir();
    const typo = replaceOnce(EXAMPLE_TEXT, 'grant_types: [authorization_code, refresh_token, password]', 'grant_types: [authorization_code, refresh_token, pasword]');
    const typoFile = writeTemp(dir, 'typo.yaml', typo);
    writeTemp(dir, 'syntax.yaml', 'tenants:\n  - name: dev: x\n');
    const grant = replaceOnce(EXAMPLE_TEXT, '      - client_id: trusted-app\n        audience:', '      - client_id: no-such-app\n        audience:');
    const grantFile = writeTemp(dir, 'grant.yaml', grant);

    const [t, s, g] = await Promise.all([
      run(['check', '--config', typoFile], { cwd: dir }),
      run(['check', '-c', 'syntax.yaml'], { cwd: dir }),
      run(['check', '-c', grantFile], { cwd: dir }),
    ]);

    expect(t.code).toBe(1);
    expect(t.stdout).toBe('');
    const [head, detail, ...rest] = t.stderr.split('\n');
    expect(head).toBe(`Invalid config ${typoFile} (1 problem):`);
    expect(detail).toMatch(
      new RegExp(`^ {2}${escape(typoFile)}:${positionOf(typo, 'pasword')} {2}tenants\\[0\\]\\.clients\\[1\\]\\.grant_types\\[2\\]: expected one of .*; did you mean "password"\\?$`),
    );
    expect(detail).toContain('http://auth0.com/oauth/grant-type/password-realm');
    // A code frame follows: the line before, the offending line, a caret under the column.
    expect(rest).toHaveLength(4);
    expect(rest[1]).toMatch(/^ {4}> \d+ \| .*pasword/);
    expect(rest[2]).toMatch(/^ +\| +\^$/);
    expect(rest[3]).toBe('');

    expect(s).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(
        new RegExp(`^Invalid config ${escape(join(dir, 'syntax.yaml'))} \\(1 problem\\):\\n  ${escape(join(dir, 'syntax.yaml'))}:2:11  Nested mappings are not allowed in compact mappings\\n.*\\n {4}> 2 \\| `),
      ),
    });

    expect(g).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(
        new RegExp(
          `^Invalid config ${escape(grantFile)} \\(1 problem\\):\\n  ${escape(grantFile)}:${positionOf(grant, 'no-such-app')}  tenants\\[0\\]\\.client_grants\\[0\\]\\.client_id: no client with client_id "no-such-app" in this tenant\\n.*\\n {4}> \\d+ \\| .*no-such-app`,
        ),
      ),
    });
  });

  // Issue 10, friction: a config that is a directory crashed check and start with a stack trace (EISDIR).
  it('exits 1 with one line when the config is a directory, for check and start', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'auth.config.yaml'));
    const [checked, started] = await Promise.all([run(['check'], { cwd: dir }), run(['--port', '0'], { cwd: dir })]);
    const line = `Invalid config ${join(dir, 'auth.config.yaml')}: it is a directory, not a file\n`;
    expect(checked).toEqual({ code: 1, signal: null, stdout: '', stderr: line });
    expect(started).toEqual({ code: 1, signal: null, stdout: '', stderr: line });
  });

  it('exits 1 for a missing --config file', async () => {
    const dir = freshDir();
    const r = await run(['check', '--config', 'missing.yaml'], { cwd: dir });
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: `Config file not found: ${join(dir, 'missing.yaml')}\n` });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('command line errors, --help, --version', () => {
  it('`npx auth-emulator` in the clone runs the built CLI: it is executable (README\'s first command)', () => {
    const npx = spawnSync('npx', ['--no-install', 'auth-emulator', '--version'], { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8' });
    expect(npx.stderr).toBe('');
    expect(npx.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(statSync(CLI).mode & 0o111).toBe(0o111);
  });

  it('start with a broken config exits 1 with the same message as check, and listens on nothing', async () => {
    const dir = freshDir();
    const typo = replaceOnce(EXAMPLE_TEXT, 'grant_types: [authorization_code, refresh_token, password]', 'grant_types: [authorization_code, refresh_token, pasword]');
    writeTemp(dir, 'auth.config.yaml', typo);
    const [started, checked] = await Promise.all([run(['--port', '0'], { cwd: dir }), run(['check'], { cwd: dir })]);
    expect(started.code).toBe(1);
    expect(started.stdout).toBe('');
    expect(started.stderr).toMatch(new RegExp(`^Invalid config ${escape(join(dir, 'auth.config.yaml'))} \\(1 problem\\):\n`));
    expect(started.stderr).toContain('tenants[0].clients[1].grant_types[2]: expected one of');
    expect(started.stderr).toBe(checked.stderr);
    expect(checked.code).toBe(1);
  });

  it('--config missing.yaml, AUTH_EMULATOR_CONFIG missing, unknown option/command, extra argument, bad --log-format', async () => {
    const dir = freshDir();
    const [missing, envMissing, unknown, command, extra, format] = await Promise.all([
      run(['--config', 'missing.yaml', '--port', '0'], { cwd: dir }),
      run(['--port', '0'], { cwd: dir, env: { AUTH_EMULATOR_CONFIG: 'nope/also-missing.yaml' } }),
      run(['--bogus'], { cwd: dir }),
      run(['frob'], { cwd: dir }),
      run(['check', 'extra'], { cwd: dir }),
      run(['--log-format', 'xml', '--port', '0'], { cwd: dir }),
    ]);
    expect(missing).toMatchObject({ code: 1, stdout: '', stderr: `Config file not found: ${join(dir, 'missing.yaml')}\n` });
    expect(envMissing).toMatchObject({ code: 1, stdout: '', stderr: `Config file not found: ${join(dir, 'nope', 'also-missing.yaml')}\n` });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^Unknown option '--bogus'\..*\nRun auth-emulator --help for the options\.\n$/);
    expect(command).toMatchObject({ code: 1, stdout: '', stderr: 'Unknown command "frob". Run auth-emulator --help.\n' });
    expect(extra).toMatchObject({ code: 1, stdout: '', stderr: 'Unexpected argument "extra". Run auth-emulator --help.\n' });
    expect(format).toMatchObject({ code: 1, stdout: '', stderr: 'Invalid --log-format "xml": expected text or json.\n' });
    // None of them created state.
    expect(existsSync(join(dir, '.auth-emulator'))).toBe(false);
  });

  it('--help and --version exit 0', async () => {
    const dir = freshDir();
    const [help, h, version, v] = await Promise.all([
      run(['--help'], { cwd: dir }),
      run(['-h'], { cwd: dir }),
      run(['--version'], { cwd: dir }),
      run(['-v'], { cwd: dir }),
    ]);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout.startsWith(`auth-emulator ${VERSION}: a local, offline Auth0 look-alike\n\nUsage\n`)).toBe(true);
    for (const option of ['--config', '--port', '--host', '--state-dir', '--log-format', '--quiet', '--help', '--version', 'AUTH_EMULATOR_PORT']) {
      expect(help.stdout).toContain(option);
    }
    expect(h).toEqual(help);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(version).toEqual({ code: 0, signal: null, stdout: `${VERSION}\n`, stderr: '' });
    expect(v).toEqual(version);
  });
});

// Issue 10, friction: `auth-emulator help` answered "Unknown command", and README's list had no `token`.
describe('auth-emulator help', () => {
  it('prints the help, as --help does; README lists the same commands and options', async () => {
    const dir = freshDir();
    const [help, flag] = await Promise.all([run(['help'], { cwd: dir }), run(['--help'], { cwd: dir })]);
    expect(help).toEqual({ code: 0, signal: null, stdout: flag.stdout, stderr: '' });
    const body = help.stdout
      .split('\n')
      .filter((line) => line.startsWith('  ') || line === '')
      .map((line) => line.slice(2))
      .join('\n')
      .trim();
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /## Command line\n\n```\n([\s\S]*?)\n```/.exec(readme)![1]!;
    expect(block).toBe(body);
    expect(block).toContain('auth-emulator token --client C');
  });
});

// Issue 11: each command is a module imported only when asked for.
describe('what a command loads', () => {
  /** The project's modules (dist/…) a CLI invocation loads, recorded by a module hook. */
  function loaded(args: string[]): string[] {
    const dir = freshDir();
    const log = join(dir, 'imports.txt');
    const hook = new URL('./fixtures/record-imports.mjs', import.meta.url).pathname;
    spawnSync(process.execPath, ['--import', hook, CLI, ...args], { cwd: dir, env: cleanEnv({ IMPORT_LOG: log }), timeout: WAIT_MS });
    const dist = new URL('../dist/', import.meta.url).href;
    return readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith(dist)).map((url) => url.slice(dist.length));
  }

  it('--help, --version and logs load neither the config nor the emulator', () => {
    const shell = ['cli.js', 'cli/args.js', 'cli/help.js', 'config/demo.js'];
    expect(loaded(['--help'])).toEqual(shell);
    expect(loaded(['--version'])).toEqual(shell);
    // An emulator that is not there: logs says so after loading only its own module and the line formats.
    expect(loaded(['logs', '--port', '1'])).toEqual([...shell, 'cli/commands/logs.js', 'cli/format.js']);
  });

  // Issue 13: the certificate code and node-forge load only for --https, and node-forge only to make a certificate.
  it('start loads no TLS code without --https; --https loads node-forge only when it makes a certificate', async () => {
    const dir = freshDir();
    const hook = new URL('./fixtures/record-imports.mjs', import.meta.url).pathname;
    const started = async (args: string[]) => {
      const log = join(dir, `imports-${args.length}-${Math.random()}.txt`);
      const p = spawnTracked(process.execPath, ['--import', hook, CLI, '--port', '0', '--quiet', ...args], { cwd: dir, env: { IMPORT_LOG: log, AUTH_EMULATOR_CA_DIR: join(dir, 'ca') } });
      await ready(p);
      expect(await stop(p)).toEqual({ code: 0, signal: null });
      return readFileSync(log, 'utf8').split('\n');
    };
    const forge = (urls: string[]) => urls.some((url) => url.includes('/node_modules/node-forge/'));
    const tls = (urls: string[]) => urls.filter((url) => /\/dist\/tls\//.test(url) || url === 'node:https' || url === 'node:tls');
    const plain = await started([]);
    expect(plain.some((url) => url.endsWith('/dist/emulator.js'))).toBe(true);
    expect(forge(plain)).toBe(false);
    expect(tls(plain)).toEqual([]);
    // The first --https makes the CA and the leaf (kept in the state folder): node-forge is loaded.
    const first = await started(['--https']);
    expect(forge(first)).toBe(true);
    // The next start finds both and checks them with node:crypto: node-forge is not loaded.
    const next = await started(['--https']);
    expect(tls(next).length).toBeGreaterThan(0);
    expect(forge(next)).toBe(false);
  });
});

describe('state across restarts', () => {
  it('keeps the signing key (mode 0600) and refresh tokens: old tokens verify against the new process', async () => {
    const dir = freshDir();
    copyFileSync(EXAMPLE_CONFIG, join(dir, 'auth.config.yaml'));

    // First run: ./auth.config.yaml is picked up; state goes to ./.auth-emulator beside it.
    const first = cli(['--port', '0', '--quiet'], { cwd: dir });
    const one = await ready(first);
    expect(first.stdout()).toContain(`  config  ${join(dir, 'auth.config.yaml')}\n  state   ${join(dir, '.auth-emulator')}\n`);
    const res = await postJson(`${one.url}/oauth/token`, {
      grant_type: 'password',
      username: 'user@example.com',
      password: 'pwd',
      audience: API,
      scope: 'openid offline_access',
      client_id: 'trusted-app',
      client_secret: 'trusted-app-secret',
    });
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as { access_token: string; refresh_token: string };
    const jwks1 = (await (await fetch(`${one.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(jwks1.keys).toHaveLength(1);
    const kid = jwks1.keys[0]!.kid;
    expect(decodeHeader(tokens.access_token).kid).toBe(kid);
    expect(await stop(first)).toEqual({ code: 0, signal: null });

    const pem = join(dir, '.auth-emulator', 'keys', 'dev.pem');
    expect(existsSync(pem)).toBe(true);
    expect(statSync(pem).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, '.auth-emulator', 'keys')).mode & 0o777).toBe(0o700);
    expect(readFileSync(pem, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const refreshFile = join(dir, '.auth-emulator', 'store.jsonl');
    expect(existsSync(refreshFile)).toBe(true);
    expect(statSync(refreshFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(refreshFile, 'utf8')).not.toContain(tokens.refresh_token);

    // Second run: same key, so the first run's token verifies against the new JWKS.
    const second = cli(['--port', '0', '--quiet'], { cwd: dir });
    const two = await ready(second);
    const jwks2 = (await (await fetch(`${two.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(jwks2.keys.map((k) => k.kid)).toEqual([kid]);
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${two.url}/.well-known/jwks.json`)), {
      algorithms: ['RS256'],
      audience: API,
      issuer: `${one.url}/`,
    });
    expect(protectedHeader.kid).toBe(kid);
    expect(payload).toMatchObject({ gty: 'password', azp: 'trusted-app' });

    // The refresh token issued by the first run is still good.
    const refreshed = await postJson(`${two.url}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: 'trusted-app',
      client_secret: 'trusted-app-secret',
    });
    expect(refreshed.status).toBe(200);
    const again = (await refreshed.json()) as { access_token: string };
    expect(decodeHeader(again.access_token).kid).toBe(kid);

    expect(await stop(second)).toEqual({ code: 0, signal: null });
    expect(first.stderr() + second.stderr()).toBe('');
  });
});

// Issue 13: --https, --https-port, --tls-cert/--tls-key and `auth-emulator ca`.
describe('https', () => {
  /** Node run as a developer does with the CA trusted through NODE_EXTRA_CA_CERTS: its global fetch, nothing else. */
  async function fetchTrusting(caFile: string, url: string, init?: { json: unknown }): Promise<{ status: number; body: Record<string, unknown> }> {
    const script = `const init = process.argv[1] ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: process.argv[1] } : undefined;
      const res = await fetch(${JSON.stringify(url)}, init);
      console.log(JSON.stringify({ status: res.status, body: await res.json() }));`;
    const p = spawnTracked(process.execPath, ['--input-type=module', '-e', script, init ? JSON.stringify(init.json) : ''], { cwd: freshDir(), env: { NODE_EXTRA_CA_CERTS: caFile } });
    const exit = await within(p.exited, WAIT_MS, 'the client to exit');
    expect({ ...exit, stderr: p.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
    return JSON.parse(p.stdout()) as { status: number; body: Record<string, unknown> };
  }

  it('--https serves https on --port, trusted through NODE_EXTRA_CA_CERTS; the banner names the domain and the CA', async () => {
    const dir = freshDir();
    const caFile = join(dir, 'ca', 'ca.pem');
    const p = cli(['--https', '--port', '0', '--quiet'], { cwd: dir, env: { AUTH_EMULATOR_CA_DIR: join(dir, 'ca') } });
    const { url, port } = await ready(p);
    expect(url).toBe(`https://127.0.0.1:${port}`);
    expect(p.stdout()).toContain(
      `HTTPS on https://localhost:${port} (certificate from the local CA)\n` +
        `  trust   NODE_EXTRA_CA_CERTS=${caFile}  (other runtimes, the system, a browser: auth-emulator ca)\n` +
        `  SDKs that take a domain (auth0, @auth0/auth0-auth-js):\n` +
        `  tenant dev  domain localhost:${port}  issuer https://localhost:${port}/\n`,
    );
    expect(p.stdout()).toContain(`curl -s --cacert '${caFile}' https://127.0.0.1:${port}/oauth/token`);

    const discovery = await fetchTrusting(caFile, `https://localhost:${port}/.well-known/openid-configuration`);
    expect(discovery).toMatchObject({ status: 200, body: { issuer: `https://localhost:${port}/` } });
    const token = await fetchTrusting(caFile, `https://localhost:${port}/oauth/token`, {
      json: { grant_type: 'client_credentials', audience: API, client_id: 'trusted-app', client_secret: 'trusted-app-secret' },
    });
    expect(token).toMatchObject({ status: 200, body: { token_type: 'Bearer' } });
    expect(await stop(p)).toEqual({ code: 0, signal: null });
    expect(p.stderr()).toBe('');
  });

  it('token asks an emulator serving --https on the state folder, and stamps its https issuer', async () => {
    const dir = freshDir();
    const env = { AUTH_EMULATOR_CA_DIR: join(dir, 'ca') };
    const p = cli(['--https', '--port', '0', '--quiet'], { cwd: dir, env });
    const { port } = await ready(p);
    const minted = await run(['token', '--client', 'trusted-app', '--audience', API, '--port', String(port), '--json'], { cwd: dir, env });
    expect(minted).toMatchObject({ code: 0, stderr: '' });
    const token = (JSON.parse(minted.stdout) as { access_token: string }).access_token;
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toMatchObject({ iss: `https://127.0.0.1:${port}/`, aud: API });
  });

  it('--https-port serves https beside plain http on --port', async () => {
    const dir = freshDir();
    const p = cli(['--https-port', '0', '--port', '0', '--quiet'], { cwd: dir, env: { AUTH_EMULATOR_CA_DIR: join(dir, 'ca') } });
    const { url, port } = await ready(p);
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const httpsPort = Number(/^HTTPS on https:\/\/localhost:(\d+) /m.exec(p.stdout())![1]);
    expect(httpsPort).not.toBe(port);
    expect(((await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as { issuer: string }).issuer).toBe(`http://127.0.0.1:${port}/`);
    const discovery = await fetchTrusting(join(dir, 'ca', 'ca.pem'), `https://localhost:${httpsPort}/.well-known/openid-configuration`);
    expect(discovery.body.issuer).toBe(`https://localhost:${httpsPort}/`);
  });

  it('--tls-cert and --tls-key serve your own certificate; one without the other, or an unreadable file, is one line and exit 1', async () => {
    const dir = freshDir();
    const { makeCa, makeLeaf } = await import('../src/tls/x509.js');
    const ca = await makeCa();
    const own = await makeLeaf(ca, ['localhost']);
    const caFile = writeTemp(dir, 'own-ca.pem', ca.cert);
    writeTemp(dir, 'cert.pem', own.cert);
    writeTemp(dir, 'key.pem', own.key);
    const p = cli(['--tls-cert', 'cert.pem', '--tls-key', 'key.pem', '--port', '0', '--quiet'], { cwd: dir, env: { AUTH_EMULATOR_CA_DIR: join(dir, 'unused-ca') } });
    const { port } = await ready(p);
    expect(p.stdout()).toContain(`HTTPS on https://localhost:${port} (your own certificate)\n  SDKs that take a domain`);
    expect((await fetchTrusting(caFile, `https://localhost:${port}/.well-known/openid-configuration`)).status).toBe(200);
    // The local CA is neither made nor used.
    expect(existsSync(join(dir, 'unused-ca'))).toBe(false);
    expect(await stop(p)).toEqual({ code: 0, signal: null });

    expect(await run(['--tls-cert', 'cert.pem', '--port', '0'], { cwd: dir })).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: '--tls-cert and --tls-key go together: give both, or neither (the local CA\'s certificate is used then).\n',
    });
    expect(await run(['--tls-cert', 'missing.pem', '--tls-key', 'key.pem', '--port', '0'], { cwd: dir })).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: 'Cannot read --tls-cert missing.pem (ENOENT).\n',
    });
    const mismatch = await run(['--tls-cert', 'cert.pem', '--tls-key', 'own-ca.pem', '--port', '0'], { cwd: dir });
    expect(mismatch).toMatchObject({ code: 1, stdout: '' });
    expect(mismatch.stderr).toMatch(/^The TLS certificate and key cannot be used together \(.+\)\.\n$/);
  });

  it('auth-emulator ca makes the CA if needed (key 0600), prints its path and how to trust it, and keeps it', async () => {
    const dir = freshDir();
    const caDir = join(dir, 'ca');
    const caFile = join(caDir, 'ca.pem');
    const first = await run(['ca'], { cwd: dir, env: { AUTH_EMULATOR_CA_DIR: caDir } });
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(statSync(join(caDir, 'ca-key.pem')).mode & 0o777).toBe(0o600);
    for (const line of [
      `  ${caFile}\n`,
      `export NODE_EXTRA_CA_CERTS=${caFile}\n`,
      `export REQUESTS_CA_BUNDLE=${caFile} SSL_CERT_FILE=${caFile}\n`,
      `sudo cp ${caFile} /usr/local/share/ca-certificates/auth-emulator.crt && sudo update-ca-certificates\n`,
      `sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${caFile}\n`,
      `certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n auth-emulator -i ${caFile}\n`,
    ])
      expect(first.stdout).toContain(line);
    const cert = readFileSync(caFile, 'utf8');
    expect(await run(['ca'], { cwd: dir, env: { AUTH_EMULATOR_CA_DIR: caDir } })).toEqual(first);
    expect(readFileSync(caFile, 'utf8')).toBe(cert);
  });
});

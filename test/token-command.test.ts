/**
 * `auth-emulator token …` as a user runs it (`node dist/cli.js token …`, needs `npm run build`), in a temp
 * dir holding a copy of the example config, beside a running server (`node dist/cli.js --port 0`) started
 * in the same dir: both use the key kept in .auth-emulator/, so the printed tokens verify with jose's
 * createRemoteJWKSet against the running server's JWKS and its discovered issuer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, EXAMPLE_CONFIG, TRUSTED, decode, decodeHeader, tempDir } from './helpers.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const WAIT_MS = 10_000;
const READY = /^Ready on (http:\/\/127\.0\.0\.1:(\d+)) \(Ctrl-C to stop\)$/m;

let dir: string;
let server: ChildProcess | undefined;
let serverOut = '';
let url: string;
let port: number;
let issuer: string;
let jwks: ReturnType<typeof createRemoteJWKSet>;
let userSub: string;

/** The parent's environment without AUTH_EMULATOR_* variables. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AUTH_EMULATOR_')) env[k] = v;
  return { ...env, NO_COLOR: '1' };
}

/** Runs `node dist/cli.js token …` in the temp dir to completion (bounded). */
function token(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'token', ...args], { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`auth-emulator token ${args.join(' ')} did not exit within ${WAIT_MS}ms\n${stdout}\n${stderr}`));
    }, WAIT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The token command, named at the running server's port, expected to succeed; returns stdout trimmed. */
async function tokenOk(args: string[]): Promise<string> {
  const res = await token([...args, '--port', String(port)]);
  expect(res.code, `${args.join(' ')}\n${res.stderr}`).toBe(0);
  return res.stdout.trim();
}

async function verify(jwt: string, options: JWTVerifyOptions = {}): Promise<JWTPayload> {
  const { payload } = await jwtVerify(jwt, jwks, { algorithms: ['RS256'], issuer, ...options });
  return payload;
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before these tests`);
  dir = realpathSync(tempDir('auth-emulator-token-'));
  copyFileSync(EXAMPLE_CONFIG, join(dir, 'auth.config.yaml'));

  const child = spawn(process.execPath, [CLI, '--port', '0', '--no-watch'], { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  server = child;
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8').on('data', (c: string) => (serverOut += c));
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not get ready within ${WAIT_MS}ms\n${serverOut}`)), WAIT_MS);
    child.stdout.on('data', (c: string) => {
      serverOut += c;
      const m = READY.exec(serverOut);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before it was ready\n${serverOut}`));
    });
  });
  url = match[1]!;
  port = Number(match[2]);
  expect(existsSync(join(dir, '.auth-emulator'))).toBe(true);

  const discovery = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
  issuer = discovery.issuer;
  expect(issuer).toBe(`http://127.0.0.1:${port}/`);
  jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));

  // The user's sub as the running server issues it.
  const res = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, ...TRUSTED }),
  });
  expect(res.status).toBe(200);
  userSub = decode(((await res.json()) as { access_token: string }).access_token).sub as string;
}, 20_000);

afterAll(async () => {
  const child = server;
  if (child && child.exitCode === null && child.signalCode === null) {
    const closed = new Promise((r) => child.once('close', r));
    child.kill('SIGTERM');
    await Promise.race([closed, new Promise((r) => setTimeout(r, 5_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('auth-emulator token', () => {
  it('prints a user\'s access token (--user, --audience, --scope) that verifies against the running server', async () => {
    const asked = Math.floor(Date.now() / 1000);
    const jwt = await tokenOk(['--client', 'trusted-app', '--user', 'user@example.com', '--audience', API, '--scope', 'openid read:sample']);
    const printed = Math.floor(Date.now() / 1000);
    expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const payload = await verify(jwt, { audience: API });
    expect(payload).toMatchObject({ iss: issuer, sub: userSub, azp: 'trusted-app', gty: 'password' });
    expect(payload.aud).toEqual([API, `${issuer}userinfo`]);
    // The password grant's rules: `openid` expands to every OIDC scope (reference §4); API scopes as asked.
    expect((payload.scope as string).split(' ').sort()).toEqual(['address', 'email', 'openid', 'phone', 'profile', 'read:sample']);
    expect(payload.exp! - payload.iat!).toBe(86_400);
    expect(payload.iat).toBeGreaterThanOrEqual(asked);
    expect(payload.iat).toBeLessThanOrEqual(printed);

    // The server accepts it at /userinfo.
    const info = await fetch(`${url}/userinfo`, { headers: { Authorization: `Bearer ${jwt}` } });
    expect(info.status).toBe(200);
    expect(((await info.json()) as { sub: string }).sub).toBe(userSub);
  });

  it('takes the user by user_id too; --scope narrows the API scopes', async () => {
    const jwt = await tokenOk(['--client', 'trusted-app', '--user', userSub, '--audience', API, '--scope', 'write:sample']);
    const payload = await verify(jwt, { audience: API });
    expect(payload).toMatchObject({ sub: userSub, aud: API, scope: 'write:sample' });
  });

  it('prints a client-credentials token without --user (the client grant\'s scopes)', async () => {
    const jwt = await tokenOk(['--client', 'trusted-app', '--audience', API]);
    const payload = await verify(jwt, { audience: API });
    expect(payload).toMatchObject({ iss: issuer, sub: 'trusted-app@clients', aud: API, azp: 'trusted-app', gty: 'client-credentials', scope: 'read:sample' });
  });

  it('--id-token prints the ID token: aud is the client', async () => {
    const jwt = await tokenOk(['--client', 'trusted-app', '--user', 'user@example.com', '--id-token', '--scope', 'profile email']);
    const payload = await verify(jwt, { audience: 'trusted-app' });
    expect(payload).toMatchObject({ iss: issuer, sub: userSub, aud: 'trusted-app', name: 'Example User', email: 'user@example.com' });
    expect(decodeHeader(jwt).alg).toBe('RS256');
  });

  it('--expires-in sets the lifetime; a negative one gives an expired token', async () => {
    const asked = Math.floor(Date.now() / 1000);
    const [short, expired] = await Promise.all([
      tokenOk(['--client', 'trusted-app', '--user', 'user@example.com', '--audience', API, '--expires-in', '60']),
      // The `=` form; the spaced form is the next test.
      tokenOk(['--client', 'trusted-app', '--user', 'user@example.com', '--audience', API, '--expires-in=-5']),
    ]);
    const payload = await verify(short, { audience: API });
    expect(payload.exp! - payload.iat!).toBe(60);

    await expect(verify(expired, { audience: API })).rejects.toBeInstanceOf(errors.JWTExpired);
    expect(decode(expired).exp as number).toBeGreaterThanOrEqual(asked - 5);
    expect(decode(expired).exp as number).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) - 5);
    // …but it is otherwise a good token of this server.
    expect(await verify(expired, { audience: API, currentDate: new Date(((decode(expired).exp as number) - 1) * 1000) })).toMatchObject({ sub: userSub });
  });

  // node's parseArgs refuses an option value that starts with a dash; a negative lifetime is the way to get an
  // expired token, so the CLI takes it as the value.
  it('--expires-in -5 (spaced, negative) gives an expired token', async () => {
    const expired = await tokenOk(['--client', 'trusted-app', '--audience', API, '--expires-in', '-5']);
    await expect(verify(expired, { audience: API })).rejects.toBeInstanceOf(errors.JWTExpired);
  });

  it('--json prints the full token response', async () => {
    const out = await tokenOk(['--client', 'trusted-app', '--user', 'user@example.com', '--audience', API, '--scope', 'openid profile offline_access read:sample', '--json']);
    const response = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(response).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'refresh_token', 'scope', 'token_type']);
    expect(response).toMatchObject({ token_type: 'Bearer', expires_in: 86_400 });
    expect((response.scope as string).split(' ').sort()).toEqual(['offline_access', 'openid', 'profile', 'read:sample']);
    expect(await verify(response.access_token as string, { audience: API })).toMatchObject({ sub: userSub });
    expect(await verify(response.id_token as string, { audience: 'trusted-app' })).toMatchObject({ sub: userSub });

    const cc = JSON.parse(await tokenOk(['--client', 'trusted-app', '--audience', API, '--json'])) as Record<string, unknown>;
    expect(Object.keys(cc).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);

    const idOnly = JSON.parse(await tokenOk(['--client', 'trusted-app', '--user', 'user@example.com', '--id-token', '--json'])) as Record<string, unknown>;
    expect(idOnly).toMatchObject({ id_token: expect.any(String), access_token: expect.any(String), token_type: 'Bearer' });
  });

  it('--issuer overrides the issuer (the key stays the server\'s)', async () => {
    const jwt = await tokenOk(['--client', 'trusted-app', '--user', 'user@example.com', '--audience', API, '--issuer', 'https://auth.example.com']);
    const payload = await verify(jwt, { audience: API, issuer: 'https://auth.example.com/' });
    expect(payload.iss).toBe('https://auth.example.com/');
    await expect(verify(jwt, { audience: API })).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);
  });

  it('without --port, stamps the default issuer http://127.0.0.1:4400/', async () => {
    const res = await token(['--client', 'trusted-app', '--audience', API]);
    expect(res.code, res.stderr).toBe(0);
    expect(decode(res.stdout.trim()).iss).toBe('http://127.0.0.1:4400/');
  });

  it('fails with exit 1 and a message for an unknown client, a missing --client, --id-token without --user', async () => {
    const [unknown, missing, idNoUser, ghost, badAudience, badExpiry] = await Promise.all([
      token(['--client', 'nope', '--port', String(port)]),
      token(['--user', 'user@example.com']),
      token(['--client', 'trusted-app', '--id-token']),
      token(['--client', 'trusted-app', '--user', 'ghost@example.com']),
      token(['--client', 'trusted-app', '--audience', 'https://nope.example']),
      token(['--client', 'trusted-app', '--expires-in', 'soon']),
    ]);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr.trim()).toBe('No client "nope" in tenant "dev".');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(/^Missing --client/);
    expect(idNoUser).toMatchObject({ code: 1, stdout: '' });
    expect(idNoUser.stderr.trim()).toBe('--id-token needs --user.');
    expect(ghost).toMatchObject({ code: 1, stdout: '' });
    expect(ghost.stderr).toMatch(/No user "ghost@example\.com" in tenant "dev"/);
    expect(badAudience).toMatchObject({ code: 1, stdout: '' });
    expect(badAudience.stderr).toMatch(/Service not found: https:\/\/nope\.example/);
    expect(badExpiry).toMatchObject({ code: 1, stdout: '' });
    expect(badExpiry.stderr).toMatch(/--expires-in/);
    for (const r of [unknown, missing, idNoUser, ghost, badAudience, badExpiry]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('left the server running and its key unchanged', async () => {
    expect(server!.exitCode).toBeNull();
    const jwt = await tokenOk(['--client', 'trusted-app', '--audience', API]);
    const keys = ((await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys;
    expect(keys.map((k) => k.kid)).toContain(decodeHeader(jwt).kid);
  });
});

/**
 * Refresh-token changes are in the state folder before the client hears of them (issue 10, finding 2): the
 * CLI in a child process, killed with SIGKILL right after its answers, then started again on the same
 * folder. And a write that fails (the file-size limit of the process, set with prlimit, stands in for a
 * full disk) is answered 500 and never acknowledged; the next change rewrites the log whole. And a log
 * deleted while the emulator runs, or a temp file a crash left, are dealt with.
 * (test/refresh-token-crash.test.ts does the same under load, killing at random moments.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, startChild } from './child-emulator.js';
import { API, PASSWORD, ROTOR, STEADY, userEmail, writeRefreshConfig } from './refresh-config.js';
import { startEmulator, tempDir } from './helpers.js';

const INVALID = { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' };
const SERVER_ERROR = { error: 'server_error', error_description: 'Internal error in the emulator (see its log)' };
type Client = { client_id: string; client_secret: string };

afterEach(killAll);

function folder(): { file: string; stateDir: string } {
  const dir = realpathSync(tempDir('auth-emulator-durability-'));
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir);
  return { file: writeRefreshConfig(dir, 2), stateDir };
}

async function post(url: string, path: string, body: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, string>) : {} };
}
const login = (url: string, client: Client, user = 0) =>
  post(url, '/oauth/token', { grant_type: 'password', username: userEmail(user), password: PASSWORD, audience: API, scope: 'offline_access', ...client });
const refresh = (url: string, client: Client, refresh_token: string) => post(url, '/oauth/token', { grant_type: 'refresh_token', refresh_token, ...client });
const revoke = (url: string, client: Client, token: string) => post(url, '/oauth/revoke', { token, ...client });

async function issued(url: string, client: Client, user = 0): Promise<string> {
  const res = await login(url, client, user);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.refresh_token!;
}

describe('refresh-token changes answered just before a SIGKILL', () => {
  it('are all there after the restart: a revocation, a new token, a rotation', async () => {
    const { file, stateDir } = folder();
    const a = await startChild(file, stateDir);
    const kept = await issued(a.url, STEADY);
    const revoked = await issued(a.url, STEADY);
    expect((await revoke(a.url, STEADY, revoked)).status).toBe(200);
    const first = await issued(a.url, ROTOR);
    const rotated = await refresh(a.url, ROTOR, first);
    expect(rotated.status).toBe(200);
    const second = rotated.body.refresh_token!;
    await a.kill(); // within milliseconds of the last answer

    const b = await startChild(file, stateDir);
    // The token issued last is there, and the one revoked stays revoked.
    expect((await refresh(b.url, STEADY, kept)).status).toBe(200);
    expect(await refresh(b.url, STEADY, revoked)).toEqual({ status: 403, body: INVALID });
    // The rotation is there: the new token works (and rotates), the exchanged one is a reuse, which revokes
    // the family, the newest token included.
    const third = await refresh(b.url, ROTOR, second);
    expect(third.status).toBe(200);
    expect(await refresh(b.url, ROTOR, first)).toEqual({ status: 403, body: INVALID });
    expect(await refresh(b.url, ROTOR, third.body.refresh_token!)).toEqual({ status: 403, body: INVALID });
    await b.kill();

    // ...and so is that revocation of a family, answered 403 just before the kill.
    const c = await startChild(file, stateDir);
    expect(await refresh(c.url, ROTOR, third.body.refresh_token!)).toEqual({ status: 403, body: INVALID });
    expect((await refresh(c.url, STEADY, kept)).status).toBe(200);
  });
});

const hasPrlimit = (() => {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('a write to the state folder that fails', () => {
  // prlimit (util-linux) changes the file-size limit of the running emulator: past it, write(2) fails
  // with EFBIG (node ignores SIGXFSZ), as it would with ENOSPC on a full disk.
  it.skipIf(!hasPrlimit)('is answered 500 and not acknowledged; once writes work again, the next change rewrites the log', async () => {
    const { file, stateDir } = folder();
    const log = join(stateDir, 'store.jsonl');
    const a = await startChild(file, stateDir, { quiet: false });
    const before = await issued(a.url, STEADY);
    // Room for a third of a line more: the next append writes part of its line, then fails.
    execFileSync('prlimit', ['--pid', String(a.pid), `--fsize=${statSync(log).size + 100}:unlimited`]);
    expect(await login(a.url, STEADY)).toEqual({ status: 500, body: SERVER_ERROR });
    // The log may end in half a line now: the next change rewrites the whole file, which does not fit either.
    expect(await login(a.url, STEADY, 1)).toEqual({ status: 500, body: SERVER_ERROR });
    // Space again.
    execFileSync('prlimit', ['--pid', String(a.pid), '--fsize=unlimited:unlimited']);
    expect((await revoke(a.url, STEADY, before)).status).toBe(200);
    const after = await issued(a.url, STEADY, 1);
    const lines = readFileSync(log, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    // The log line says why; the client and the output never see a stack.
    expect(a.output()).toMatch(/POST \/oauth\/token dev password steady 500 .*server_error \(Cannot write the state log .*store\.jsonl: EFBIG\)/);
    expect(a.output()).not.toMatch(/\n\s+at /);
    await a.kill();

    const b = await startChild(file, stateDir);
    expect((await refresh(b.url, STEADY, after)).status).toBe(200);
    expect(await refresh(b.url, STEADY, before)).toEqual({ status: 403, body: INVALID });
  });
});

describe('the state folder changed behind the emulator’s back', () => {
  it('a log deleted while running is written again whole at the next change', async () => {
    const { file, stateDir } = folder();
    const log = join(stateDir, 'store.jsonl');
    const a = await startEmulator({ config: file, stateDir });
    const send = (body: Record<string, string>) => a.http.post('/oauth/token').send(body);
    const first = (await send({ grant_type: 'password', username: userEmail(0), password: PASSWORD, audience: API, scope: 'offline_access', ...STEADY }).expect(200)).body.refresh_token as string;
    rmSync(log);
    const second = (await send({ grant_type: 'password', username: userEmail(1), password: PASSWORD, audience: API, scope: 'offline_access', ...STEADY }).expect(200)).body.refresh_token as string;
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(2);
    await a.close();

    const b = await startEmulator({ config: file, stateDir });
    for (const refresh_token of [first, second]) await b.http.post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token, ...STEADY }).expect(200);
    await b.close();
  });

  it('a temp file left by a rewrite a crash cut short is removed at start', async () => {
    const { file, stateDir } = folder();
    // The pid of a process that has exited: its rewrite can never finish.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(stateDir, `store.jsonl.${gone}.tmp`), '{"set":');
    const a = await startEmulator({ config: file, stateDir });
    expect(readdirSync(stateDir).sort()).toEqual(['emulator.lock', 'keys', 'store.jsonl']);
    await a.close();
  });
});

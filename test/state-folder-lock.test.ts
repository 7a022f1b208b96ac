/**
 * One state folder, one process (issue 11): the built CLI in child processes. `auth-emulator token` beside a
 * running emulator asks it to mint, so the refresh token it prints is redeemable there (before, it went to a
 * log the running emulator never read, and the exchange answered invalid_grant); a second emulator on the
 * folder is refused with one line; the lock of an emulator killed with SIGKILL does not stop the next start.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateError, createEmulator } from '../src/index.js';
import { killAll, runToExit, startChild } from './child-emulator.js';
import { API, EXAMPLE_CONFIG, TRUSTED, decode, tempDir } from './helpers.js';

afterEach(killAll);

/** A project folder: a copy of the example config, and a state folder beside it. */
function project(): { dir: string; config: string; stateDir: string } {
  const dir = realpathSync(tempDir('auth-emulator-lock-'));
  const config = join(dir, 'auth.config.yaml');
  copyFileSync(EXAMPLE_CONFIG, config);
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir);
  return { dir, config, stateDir };
}

/** `auth-emulator token … --json` for a user's token with offline_access, on the project's config and state folder. */
async function tokenCommand(p: { dir: string; config: string; stateDir: string }, port: string): Promise<{ code: number | null; output: string }> {
  return runToExit(
    ['token', '--config', p.config, '--state-dir', p.stateDir, '--port', port, '--client', 'trusted-app', '--user', 'user@example.com', '--audience', API, '--scope', 'openid offline_access', '--json'],
    p.dir,
  );
}

async function redeem(url: string, refresh_token: string): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'refresh_token', refresh_token, ...TRUSTED }) });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe('the token command and a running emulator on one state folder', () => {
  it('agree: the printed refresh token is redeemable at the running emulator, and stays so after a restart', async () => {
    const p = project();
    const server = await startChild(p.config, p.stateDir);
    const port = new URL(server.url).port;
    const minted = await tokenCommand(p, port);
    expect(minted.code, minted.output).toBe(0);
    const response = JSON.parse(minted.output) as Record<string, string>;
    expect(Object.keys(response).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'refresh_token', 'scope', 'token_type']);
    expect(decode(response.access_token!).iss).toBe(`${server.url}/`);

    const redeemed = await redeem(server.url, response.refresh_token!);
    expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(200);
    expect(redeemed.body.scope).toBe(response.scope);
    await server.stop();

    const again = await startChild(p.config, p.stateDir);
    expect((await redeem(again.url, response.refresh_token!)).status).toBe(200);
  });

  it('without a running emulator, the command writes the refresh token to the folder, for the next one to redeem', async () => {
    const p = project();
    const minted = await tokenCommand(p, '4400');
    expect(minted.code, minted.output).toBe(0);
    // It held the folder only while it wrote.
    expect(existsSync(join(p.stateDir, 'emulator.lock'))).toBe(false);
    const server = await startChild(p.config, p.stateDir);
    expect((await redeem(server.url, (JSON.parse(minted.output) as { refresh_token: string }).refresh_token)).status).toBe(200);
  });

  // Found with this test's neighbour in config-hazards-init.test.ts: closing waited for the extension worker's
  // exit without holding the event loop open, so the command often ended with exit code 13 (a top-level await
  // that never settled), printing nothing and leaving its lock behind.
  it('exits 0, every time, with a config whose rule starts an extension worker', async () => {
    const dir = realpathSync(tempDir('auth-emulator-lock-'));
    expect((await runToExit(['init'], dir)).code).toBe(0);
    for (let i = 0; i < 5; i++) {
      const run = await runToExit(['token', '--client', 'trusted-app', '--audience', API], dir);
      expect(run.code, run.output).toBe(0);
      expect(existsSync(join(dir, '.auth-emulator', 'emulator.lock'))).toBe(false);
    }
  });

  it('says why when the folder is held by an emulator that does not listen', { timeout: 30_000 }, async () => {
    const p = project();
    const holder = await createEmulator({ config: p.config, stateDir: p.stateDir });
    try {
      // The command waits for it to listen or leave (10 s), then gives up.
      expect(await tokenCommand(p, '4400')).toEqual({
        code: 1,
        output: `Cannot use the state folder ${p.stateDir}: process ${process.pid} is using it (an auth-emulator that does not listen, or a token command). Stop it, or use another state folder (--state-dir); if no auth-emulator runs, delete ${p.stateDir}/emulator.lock.\n`,
      });
    } finally {
      await holder.close();
    }
  });
});

describe('two emulators on one state folder', () => {
  it('the second is refused with one line naming the first, which serves on untouched', async () => {
    const p = project();
    const first = await startChild(p.config, p.stateDir);
    const login = await fetch(`${first.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, scope: 'offline_access', ...TRUSTED }),
    });
    const { refresh_token } = (await login.json()) as { refresh_token: string };
    const log = readFileSync(join(p.stateDir, 'store.jsonl'), 'utf8');

    expect(await runToExit(['--config', p.config, '--state-dir', p.stateDir, '--port', '0', '--no-watch'], p.dir)).toEqual({
      code: 1,
      output: `Cannot use the state folder ${p.stateDir}: the auth-emulator at ${first.url} (pid ${first.pid}) is using it. Stop it, or use another state folder (--state-dir).\n`,
    });
    expect(readFileSync(join(p.stateDir, 'store.jsonl'), 'utf8')).toBe(log);
    expect((await redeem(first.url, refresh_token)).status).toBe(200);
  });

  it('the lock of one killed with SIGKILL does not stop the next start, which keeps its tokens', async () => {
    const p = project();
    const first = await startChild(p.config, p.stateDir);
    const minted = await tokenCommand(p, new URL(first.url).port);
    const { refresh_token } = JSON.parse(minted.output) as { refresh_token: string };
    await first.kill();
    expect(JSON.parse(readFileSync(join(p.stateDir, 'emulator.lock'), 'utf8'))).toMatchObject({ pid: first.pid, url: first.url });

    const next = await startChild(p.config, p.stateDir);
    expect(JSON.parse(readFileSync(join(p.stateDir, 'emulator.lock'), 'utf8'))).toMatchObject({ pid: next.pid, url: next.url });
    expect((await redeem(next.url, refresh_token)).status).toBe(200);
    await next.stop();
    // A clean stop removes it.
    expect(existsSync(join(p.stateDir, 'emulator.lock'))).toBe(false);
  });
});

describe('the lock, in process', () => {
  const lock = (stateDir: string) => join(stateDir, 'emulator.lock');
  const holder = (stateDir: string) => JSON.parse(readFileSync(lock(stateDir), 'utf8')) as { pid: number; url?: string };

  it('refuses a second emulator on the folder in the same process, naming the first', async () => {
    const p = project();
    const first = await createEmulator({ config: p.config, stateDir: p.stateDir, port: 0 });
    try {
      const second = createEmulator({ config: p.config, stateDir: p.stateDir });
      await expect(second).rejects.toBeInstanceOf(StateError);
      await expect(second).rejects.toThrow(
        `Cannot use the state folder ${p.stateDir}: the auth-emulator at ${first.url} (pid ${process.pid}) is using it. Stop it, or use another state folder (--state-dir).`,
      );
    } finally {
      await first.close();
    }
    expect(existsSync(lock(p.stateDir))).toBe(false);
  });

  it('takes over a lock whose process is gone, and one a crashed run with this very pid left', async () => {
    const p = project();
    const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const stale = [
      { pid: gone, started: Date.now() - 60_000, since: 'then', id: 'a', url: 'http://127.0.0.1:1' },
      // This process's pid, but another start time: a container restarted after a crash often gets its pid back.
      { pid: process.pid, started: Date.now() - 86_400_000, since: 'then', id: 'b' },
    ];
    for (const left of stale) {
      writeFileSync(lock(p.stateDir), JSON.stringify(left));
      const emulator = await createEmulator({ config: p.config, stateDir: p.stateDir, port: 0 });
      expect(holder(p.stateDir)).toMatchObject({ pid: process.pid, url: emulator.url });
      await emulator.close();
    }
  });
});

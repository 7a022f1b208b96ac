/**
 * Refresh-token changes that race each other (found in a review of issue 10's changes): two uses of one
 * rotating token while its rule runs, a rotation the rule refuses, a user deleted while their token is being
 * rotated, and a refusal that rests on a delete not yet in the state folder. A rule the test holds and lets
 * go (HELD_RULE, ruleGate) makes each interleaving exact, without timing.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuthEmulatorConfig } from '../src/index.js';
import { HELD_RULE, ruleGate, startEmulator, tempDir, type TestEmulator } from './helpers.js';

const API = 'https://api.example.test';
const ROTATING = { client_id: 'rotating', client_secret: 'rotating-secret' } as const;
const EMAIL = 'user@example.test';
const INVALID = { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' };
const USER_GONE = { error: 'invalid_grant', error_description: "The refresh_token was generated for a user who doesn't exist anymore." };

const config: AuthEmulatorConfig = {
  tenants: [
    {
      name: 'dev',
      default_directory: 'db',
      apis: [{ identifier: API, scopes: ['read:data'], allow_offline_access: true }],
      clients: [{ ...ROTATING, app_type: 'non_interactive', grant_types: ['password', 'refresh_token'], refresh_token: { rotation_type: 'rotating' } }],
      connections: [{ name: 'db', users: [{ email: EMAIL, password: 'pwd' }] }],
      rules: [HELD_RULE],
    },
  ],
};

let t: TestEmulator;
beforeAll(async () => {
  t = await startEmulator({ config });
});
afterAll(() => t.close());
afterEach(() => t.emulator.reset());

type Answer = { status: number; body: Record<string, string> };

async function login(e: TestEmulator = t): Promise<string> {
  const res = await e.http.post('/oauth/token').send({ grant_type: 'password', username: EMAIL, password: 'pwd', audience: API, scope: 'offline_access', ...ROTATING });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { refresh_token: string }).refresh_token;
}

/** A refresh, started at once; `extra` goes to the held rule (`gate`, `deny`). */
async function refresh(refresh_token: string, extra: Record<string, string> = {}, e: TestEmulator = t): Promise<Answer> {
  const res = await e.http.post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token, ...ROTATING, ...extra });
  return { status: res.status, body: res.body as Record<string, string> };
}

describe('a rotating refresh token used twice while its rule runs', () => {
  it('exactly one use gets a successor; the other is a reuse, which revokes the family, successor included', async () => {
    const token = await login();
    const [a, b] = [ruleGate(t.emulator), ruleGate(t.emulator)];
    const first = refresh(token, { gate: a.file });
    await a.held;
    const second = refresh(token, { gate: b.file });
    // The second use waits at its rule too (or was refused before it: the old order, which then let the first
    // one issue its successor into the family the second had just revoked).
    await Promise.race([b.held, second]);
    a.open();
    const won = await first;
    b.open();
    const lost = await second;

    expect(won.status).toBe(200);
    expect(won.body.refresh_token).toMatch(/^v1\./);
    expect(lost).toEqual({ status: 403, body: INVALID });
    expect(await refresh(won.body.refresh_token!)).toEqual({ status: 403, body: INVALID });
    expect(await refresh(token)).toEqual({ status: 403, body: INVALID });
  });

  it('a rotation the rule refuses leaves the token usable, and its family whole', async () => {
    const token = await login();
    expect(await refresh(token, { deny: 'yes' })).toEqual({ status: 401, body: { error: 'unauthorized', error_description: 'denied by the test' } });
    const next = await refresh(token);
    expect(next.status).toBe(200);
    expect((await refresh(next.body.refresh_token!)).status).toBe(200);
  });

  it('a rotation whose rule runs while the user is deleted is refused as a deleted user’s, and issues no successor', async () => {
    const token = await login();
    const gate = ruleGate(t.emulator);
    const rotation = refresh(token, { gate: gate.file });
    await gate.held;
    expect(await t.emulator.removeUser(EMAIL)).toBe(true);
    gate.open();
    expect(await rotation).toEqual({ status: 403, body: USER_GONE });
    // A user created again with the same email (the same user_id) does not bring the token back.
    t.emulator.addUser({ email: EMAIL, password: 'pwd' });
    expect(await refresh(token)).toEqual({ status: 403, body: USER_GONE });
  });
});

/**
 * Holds every thread of libuv's pool, where file writes run, in an open(2) of a FIFO nobody has opened for
 * writing: the state file's writes wait until `release()`. Sockets do not use the pool, so requests are still
 * answered meanwhile, unless they wait for the state file. (O_RDWR never blocks on a FIFO on Linux, and lets
 * the readers' opens return.)
 */
function stallFileWrites(dir: string): { release(): Promise<void> } {
  const threads = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const fifos = Array.from({ length: threads }, (_, i) => join(dir, `fifo-${i}`));
  for (const fifo of fifos) execFileSync('mkfifo', [fifo]);
  const readers = fifos.map((fifo) => open(fifo, 'r'));
  return {
    async release() {
      const writers = fifos.map((fifo) => openSync(fifo, 'r+'));
      for (const reader of await Promise.all(readers)) await reader.close();
      for (const fd of writers) closeSync(fd);
    },
  };
}

describe('a deleted user’s refresh token', () => {
  it.runIf(process.platform === 'linux')('is refused once the delete is in the state folder, not before', async () => {
    const dir = tempDir('auth-emulator-races-');
    const e = await startEmulator({ config, stateDir: join(dir, 'state') });
    try {
      const token = await login(e);
      const stall = stallFileWrites(dir);
      const order: string[] = [];
      const deleted = e.emulator.removeUser(EMAIL).then(() => order.push('delete written'));
      const refused = refresh(token, {}, e).then((answer) => {
        order.push('refresh answered');
        return answer;
      });
      // Time for an answer that does not wait for the write to arrive (the assertion is on order, not time).
      await Promise.race([refused, new Promise((r) => setTimeout(r, 300))]);
      await stall.release();
      await deleted;
      expect(await refused).toEqual({ status: 403, body: USER_GONE });
      expect(order).toEqual(['delete written', 'refresh answered']);
    } finally {
      await e.close();
    }
  });
});

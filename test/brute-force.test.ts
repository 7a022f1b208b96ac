/**
 * Brute-force protection (issue 14; reference §3 "Too many failed logins"): consecutive wrong passwords for one
 * user from one IP block that user from that IP at the tenant's max_attempts (Auth0's default: 10) with 429
 * too_many_attempts, for the password grants and the login page; a success resets the count; the Management
 * API's user-blocks and the control plane list and lift blocks; blocks survive a reload and a restart on a state
 * folder, and go with a reset.
 */
import { request as httpRequest } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Browser, config as browserConfig, WEB_CALLBACK } from './browser-login/setup.js';
import { fixture, startEmulator, tempDir, type TestEmulator } from './helpers.js';

const FIXTURE = readFileSync(fixture('brute-force.yaml'), 'utf8');
const LOGIN = { client_id: 'login-app', client_secret: 'login-app-secret' };
const UPA = 'Username-Password-Authentication';
const TOO_MANY = {
  error: 'too_many_attempts',
  error_description: "Your account has been blocked after multiple consecutive login attempts. We've sent you a notification via your preferred contact method with instructions on how to unblock it.",
};
const WRONG = { error: 'invalid_grant', error_description: 'Wrong email or password.' };

let running: TestEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.map((t) => t.close()));
  running = [];
});

async function start(yaml = FIXTURE, stateDir: string | false = false): Promise<TestEmulator> {
  const file = join(tempDir(), 'auth.config.yaml');
  writeFileSync(file, yaml);
  const t = await startEmulator({ config: file, stateDir });
  running.push(t);
  return t;
}

const withSetting = (setting: string) => FIXTURE.replace('    default_directory:', `    attack_protection:\n      brute_force_protection: ${setting}\n    default_directory:`);

const login = (t: TestEmulator, password: string, username = 'john@example.com') =>
  t.http.post('/oauth/token').send({ grant_type: 'password', username, password, ...LOGIN });

/** The same request from another loopback address (127.0.0.2): another IP to the emulator. */
function loginFrom(t: TestEmulator, localAddress: string, password: string): Promise<{ status: number; body: unknown }> {
  const body = JSON.stringify({ grant_type: 'password', username: 'john@example.com', password, ...LOGIN });
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${t.url}/oauth/token`, { method: 'POST', localAddress, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `times` wrong passwords in a row: their statuses. */
async function wrong(t: TestEmulator, times: number, username?: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) statuses.push((await login(t, 'wrong', username)).status);
  return statuses;
}

async function managementToken(t: TestEmulator, client = 'mgmt-admin'): Promise<string> {
  const res = await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', client_id: client, client_secret: `${client}-secret`, audience: `${t.url}/api/v2/` });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.access_token as string;
}

const johnId = (t: TestEmulator) => t.emulator.getUser('john@example.com')!.user_id;

describe('brute-force protection at /oauth/token', () => {
  it("blocks at Auth0's threshold of 10, the right password too, from that IP only; the Management API lifts the block", async () => {
    const t = await start();
    for (let i = 1; i < 10; i++) expect((await login(t, 'wrong')).body).toEqual(WRONG);
    const tenth = await login(t, 'wrong');
    expect([tenth.status, tenth.body]).toEqual([429, TOO_MANY]);
    const right = await login(t, 'right');
    expect([right.status, right.body]).toEqual([429, TOO_MANY]);

    const elsewhere = await loginFrom(t, '127.0.0.2', 'right');
    expect(elsewhere.status).toBe(200);

    const token = await managementToken(t);
    const id = encodeURIComponent(johnId(t));
    const blocks = await t.http.get(`/api/v2/user-blocks/${id}`).set('Authorization', `Bearer ${token}`);
    expect([blocks.status, blocks.body]).toEqual([200, { blocked_for: [{ identifier: 'john@example.com', ip: '127.0.0.1', connection: UPA }] }]);
    const byIdentifier = await t.http.get('/api/v2/user-blocks?identifier=JOHN@example.com').set('Authorization', `Bearer ${token}`);
    expect([byIdentifier.status, byIdentifier.body]).toEqual([200, blocks.body]);

    const lifted = await t.http.delete(`/api/v2/user-blocks/${id}`).set('Authorization', `Bearer ${token}`);
    expect([lifted.status, lifted.text]).toEqual([204, '']);
    expect((await login(t, 'right')).status).toBe(200);
    expect((await t.http.get(`/api/v2/user-blocks/${id}`).set('Authorization', `Bearer ${token}`)).body).toEqual({ blocked_for: [] });
  });

  it('counts consecutive failures only: a success resets the count', async () => {
    const t = await start(withSetting('{ max_attempts: 3 }'));
    expect(await wrong(t, 2)).toEqual([403, 403]);
    expect((await login(t, 'right')).status).toBe(200);
    expect(await wrong(t, 2)).toEqual([403, 403]);
    expect((await login(t, 'right')).status).toBe(200);
    expect(await wrong(t, 3)).toEqual([403, 403, 429]);
  });

  it('counts per user: another user is not blocked, and unknown logins count for nobody', async () => {
    const t = await start(withSetting('{ max_attempts: 2 }'));
    expect(await wrong(t, 2)).toEqual([403, 429]);
    expect(await wrong(t, 3, 'nobody@example.com')).toEqual([403, 403, 403]);
    expect((await login(t, 'right', 'joan')).status).toBe(200);
  });

  it('guards the password-realm grant too, counting logins by username or email as one user', async () => {
    const t = await start(withSetting('{ max_attempts: 2 }'));
    const realm = (username: string, password: string) =>
      t.http.post('/oauth/token').send({ grant_type: 'http://auth0.com/oauth/grant-type/password-realm', realm: UPA, username, password, ...LOGIN });
    expect((await realm('joan', 'wrong')).status).toBe(403);
    const second = await realm('joan@example.com', 'wrong');
    expect([second.status, second.body]).toEqual([429, TOO_MANY]);
    expect((await realm('joan', 'right')).body).toEqual(TOO_MANY);
  });

  it('never blocks when the setting is off', async () => {
    const t = await start(withSetting('{ enabled: false }'));
    expect(new Set(await wrong(t, 12))).toEqual(new Set([403]));
    expect((await login(t, 'right')).status).toBe(200);
  });

  it('keeps the answer for users blocked by an admin (blocked: true)', async () => {
    const t = await start();
    t.emulator.blockUser('john@example.com');
    const res = await login(t, 'right');
    expect([res.status, res.body]).toEqual([401, { error: 'unauthorized', error_description: 'user is blocked' }]);
  });
});

describe('blocks as runtime state', () => {
  it('survive a hot reload, and go with a reset', async () => {
    const t = await start(withSetting('{ max_attempts: 2 }'));
    await wrong(t, 2);
    await t.emulator.reload();
    expect((await login(t, 'right')).body).toEqual(TOO_MANY);
    await t.http.post('/__emulator/reset').expect(204);
    expect((await login(t, 'right')).status).toBe(200);
  });

  it('survive a restart on a state folder', async () => {
    const stateDir = tempDir();
    const first = await start(withSetting('{ max_attempts: 2 }'), stateDir);
    await wrong(first, 2);
    await first.close();
    running = running.filter((r) => r !== first);
    const second = await start(withSetting('{ max_attempts: 2 }'), stateDir);
    expect((await login(second, 'right')).body).toEqual(TOO_MANY);
  });

  it('are listed and lifted by the control plane', async () => {
    const t = await start(withSetting('{ max_attempts: 2 }'));
    await wrong(t, 2);
    const list = await t.http.get('/__emulator/user-blocks').expect(200);
    expect(list.body).toEqual([{ tenant: 'dev', user_id: johnId(t), identifier: 'john@example.com', ip: '127.0.0.1', connection: UPA }]);
    await t.http.delete('/__emulator/user-blocks/john@example.com').expect(204);
    expect((await t.http.get('/__emulator/user-blocks').expect(200)).body).toEqual([]);
    expect((await login(t, 'right')).status).toBe(200);
    const unknown = await t.http.delete('/__emulator/user-blocks/nobody@example.com');
    expect([unknown.status, unknown.body]).toEqual([404, { error: 'not_found', error_description: 'No user nobody@example.com' }]);
  });

  it('go with their user', async () => {
    const t = await start(withSetting('{ max_attempts: 2 }'));
    await wrong(t, 2);
    await t.http.delete('/__emulator/users/john@example.com').expect(204);
    expect((await t.http.get('/__emulator/user-blocks').expect(200)).body).toEqual([]);
  });
});

describe('the Management API user-blocks', () => {
  it("needs Auth0's scopes: read:users to read, update:users to lift", async () => {
    const t = await start();
    const reader = await managementToken(t, 'mgmt-reader');
    const id = encodeURIComponent(johnId(t));
    expect((await t.http.get(`/api/v2/user-blocks/${id}`).set('Authorization', `Bearer ${reader}`)).body).toEqual({ blocked_for: [] });
    const refused = await t.http.delete(`/api/v2/user-blocks/${id}`).set('Authorization', `Bearer ${reader}`);
    expect([refused.status, refused.body]).toEqual([403, { statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: update:users', errorCode: 'insufficient_scope' }]);
  });

  it('answers 404 for a user that does not exist, and 400 without an identifier', async () => {
    const t = await start();
    const token = await managementToken(t);
    const missing = await t.http.get('/api/v2/user-blocks/auth0%7Cnobody').set('Authorization', `Bearer ${token}`);
    expect([missing.status, missing.body]).toEqual([404, { statusCode: 404, error: 'Not Found', message: 'The user does not exist.', errorCode: 'inexistent_user' }]);
    const noIdentifier = await t.http.delete('/api/v2/user-blocks').set('Authorization', `Bearer ${token}`);
    expect([noIdentifier.status, noIdentifier.body]).toEqual([
      400,
      { statusCode: 400, error: 'Bad Request', message: "Query validation error: 'Missing required property: identifier'.", errorCode: 'invalid_query_string' },
    ]);
  });

  it('lifts the blocks of an identifier', async () => {
    const t = await start(withSetting('{ max_attempts: 2 }'));
    await wrong(t, 2);
    const token = await managementToken(t);
    await t.http.delete('/api/v2/user-blocks?identifier=john@example.com').set('Authorization', `Bearer ${token}`).expect(204);
    expect((await login(t, 'right')).status).toBe(200);
  });
});

describe('brute-force protection on the login page', () => {
  it("shows Auth0's user-blocked message (429), for the right password too", async () => {
    const t = await startEmulator({ config: browserConfig({ attack_protection: { brute_force_protection: { enabled: true, max_attempts: 2 } } }) });
    running.push(t);
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin({ client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK, scope: 'openid' });
    const first = await browser.post(loginUrl, { state, username: 'user@example.com', password: 'wrong', action: 'default' });
    expect(first.status).toBe(400);
    const blockedMessage =
      '<span id="error-element-password" class="ulp-input-error-message" data-error-code="user-blocked"><span class="ulp-input-error-icon" role="img" aria-label="Error"></span>Your account has been blocked after multiple consecutive login attempts.</span>';
    for (const password of ['wrong', 'pwd']) {
      const res = await browser.post(loginUrl, { state, username: 'user@example.com', password, action: 'default' });
      expect(res.status).toBe(429);
      expect(res.text).toContain(blockedMessage);
    }
    // The block is the store's, as for the password grants: the control plane lists it.
    expect((await t.http.get('/__emulator/user-blocks').expect(200)).body).toEqual([
      { tenant: 'dev', user_id: t.emulator.getUser('user@example.com')!.user_id, identifier: 'user@example.com', ip: '127.0.0.1', connection: 'Username-Password-Authentication' },
    ]);
  });
});

/**
 * Deleting a user (issue 10, finding 3), by each of the three ways: `emulator.removeUser`, the control plane's
 * `DELETE /__emulator/users/:id` and the Management API's `DELETE /api/v2/users/{id}`. The user's refresh
 * tokens are revoked for good (a user created again with the same email gets the same user_id here, and
 * must not get the old tokens back), durably (the CLI killed with SIGKILL right after the answer), and
 * what the emulator kept about the user at runtime (logins count, metadata set by Actions, /userinfo
 * claims) is gone, so the new user starts clean.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuthEmulatorConfig } from '../src/index.js';
import { killAll, startChild } from './child-emulator.js';
import { API as CHILD_API, PASSWORD, STEADY, userEmail, writeRefreshConfig } from './refresh-config.js';
import { HELD_RULE, decode, ruleGate, startEmulator, tempDir, type TestEmulator } from './helpers.js';

const API = 'https://someapi.com/api';
const APP = { client_id: 'app', client_secret: 'app-secret' } as const;
const ADMIN = { client_id: 'mgmt-admin', client_secret: 'mgmt-admin-secret' } as const;
const EMAIL = 'user@example.com';
const DB = 'Username-Password-Authentication';
const ACTIONS = 'test/fixtures/actions';
/** Auth0's answer for a deleted user's refresh token (reference §3, observed). */
const USER_GONE = { error: 'invalid_grant', error_description: "The refresh_token was generated for a user who doesn't exist anymore." };

const config: AuthEmulatorConfig = {
  tenants: [
    {
      name: 'dev',
      default_directory: DB,
      apis: [{ identifier: API, scopes: ['read:sample'], allow_offline_access: true }],
      clients: [
        { ...APP, grant_types: ['password', 'refresh_token'] },
        { ...ADMIN, app_type: 'non_interactive', grant_types: ['client_credentials'] },
      ],
      client_grants: [{ client_id: ADMIN.client_id, audience: 'http://localhost/api/v2/', scope: ['create:users', 'delete:users', 'read:users'] }],
      // count-visits keeps a count in app_metadata; add-claims puts claims on the ID token (so /userinfo has them).
      actions: { 'post-login': [`${ACTIONS}/count-visits.js`, `${ACTIONS}/add-claims.js`] },
      // Lets every login through, unless the test holds it (a login racing a delete).
      rules: [HELD_RULE],
      connections: [{ name: DB, users: [{ email: EMAIL, password: 'pwd', app_metadata: { plan: 'gold' } }] }],
    },
  ],
};

let t: TestEmulator;
beforeAll(async () => {
  t = await startEmulator({ config });
});
afterAll(() => t.close());

const login = () =>
  t.http.post('/oauth/token').send({ grant_type: 'password', username: EMAIL, password: 'pwd', audience: API, scope: 'openid offline_access', ...APP }).expect(200);
/** A login whose rule waits at `gate`, started at once. */
async function heldLogin(gate: string): Promise<{ status: number; body: Record<string, string> }> {
  const res = await t.http.post('/oauth/token').send({ grant_type: 'password', username: EMAIL, password: 'pwd', audience: API, scope: 'openid offline_access', gate, ...APP });
  return { status: res.status, body: res.body as Record<string, string> };
}
const refresh = (refresh_token: string) => t.http.post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token, ...APP });

async function adminToken(): Promise<string> {
  const audience = `${t.emulator.tenants.dev!.issuer}api/v2/`;
  const res = await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience, ...ADMIN }).expect(200);
  return (res.body as { access_token: string }).access_token;
}

/** The three ways to delete a user, and to create one again with the same email. */
const ways: { name: string; remove(id: string): Promise<void>; create(): Promise<string> }[] = [
  {
    name: 'emulator.removeUser',
    async remove(id) {
      expect(await t.emulator.removeUser(id)).toBe(true);
    },
    async create() {
      return t.emulator.addUser({ email: EMAIL, password: 'pwd' }).user_id;
    },
  },
  {
    name: 'DELETE /__emulator/users/:id',
    async remove(id) {
      await t.http.delete(`/__emulator/users/${encodeURIComponent(id)}`).expect(204);
    },
    async create() {
      return (await t.http.post('/__emulator/users').send({ email: EMAIL, password: 'pwd' }).expect(201)).body.user_id as string;
    },
  },
  {
    name: 'DELETE /api/v2/users/{id}',
    async remove(id) {
      await t.http.delete(`/api/v2/users/${encodeURIComponent(id)}`).set({ Authorization: `Bearer ${await adminToken()}` }).expect(204);
    },
    async create() {
      const res = await t.http.post('/api/v2/users').set({ Authorization: `Bearer ${await adminToken()}` }).send({ connection: DB, email: EMAIL, password: 'pwd' }).expect(201);
      return res.body.user_id as string;
    },
  },
];

describe.each(ways)('deleting a user with $name', (way) => {
  afterEach(() => t.emulator.reset());

  it('revokes their refresh tokens for good, and a user created again with the same email starts clean', async () => {
    const id = t.emulator.getUser(EMAIL)!.user_id;
    await login();
    const { refresh_token, access_token } = (await login()).body as { refresh_token: string; access_token: string };
    await refresh(refresh_token).expect(200);
    // Two logins; the Action counted three visits (it runs on the refresh too).
    expect(t.emulator.getUser(id)).toMatchObject({ logins_count: 2, app_metadata: { plan: 'gold', visits: 3 } });
    const userinfo = () => t.http.get('/userinfo').set({ Authorization: `Bearer ${access_token}` });
    expect((await userinfo().expect(200)).body).toMatchObject({ sub: id, 'https://example.com/roles': ['admin', 'editor'] });

    await way.remove(id);
    expect((await refresh(refresh_token).expect(403)).body).toEqual(USER_GONE);

    expect(await way.create()).toBe(id); // the same user_id (derived from tenant, connection and email)
    // Auth0's ids are random, so there the old token's user never comes back; here it must not either.
    expect((await refresh(refresh_token).expect(403)).body).toEqual(USER_GONE);
    // Nothing of the deleted user carries over: no logins, no metadata from Actions, no /userinfo claims.
    const fresh = t.emulator.getUser(id)!;
    expect(fresh.logins_count).toBeUndefined();
    expect(fresh.app_metadata).toEqual({});
    expect(Object.keys((await userinfo().expect(200)).body)).not.toContain('https://example.com/roles');

    // The new user logs in and refreshes as anyone does, starting from the first visit.
    const again = (await login()).body as { refresh_token: string; access_token: string };
    expect(decode(again.access_token)['https://example.com/visits']).toBe(0);
    await refresh(again.refresh_token).expect(200);
  });

  it('a login whose rule is still running when the user is deleted fails as for no such user, with no refresh token', async () => {
    const id = t.emulator.getUser(EMAIL)!.user_id;
    const gate = ruleGate(t.emulator);
    const racing = heldLogin(gate.file);
    await gate.held;
    await way.remove(id);
    gate.open();
    // Otherwise its refresh token, issued after the delete revoked the user's, would work for the user created
    // again below (the same user_id).
    expect(await racing).toEqual({ status: 403, body: { error: 'invalid_grant', error_description: 'Wrong email or password.' } }); // emulator's answer to the race (NOTE(emulator) in src/grants/issue-tokens.ts)
    expect(await way.create()).toBe(id);
    expect((await login()).body.refresh_token).toMatch(/^v1\./);
  });
});

describe('deleting a user, then SIGKILL', () => {
  afterAll(killAll);

  it('the revocation is in the state folder before the 204: the token stays refused after a restart', async () => {
    const dir = realpathSync(tempDir('auth-emulator-delete-'));
    const stateDir = join(dir, 'state');
    mkdirSync(stateDir);
    const file = writeRefreshConfig(dir, 2);
    const a = await startChild(file, stateDir);
    const token = async (url: string, body: Record<string, string>) => {
      const res = await fetch(`${url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, string> };
    };
    const loginAs = (url: string, i: number) => token(url, { grant_type: 'password', username: userEmail(i), password: PASSWORD, audience: CHILD_API, scope: 'offline_access', ...STEADY });
    const refreshAt = (url: string, refresh_token: string) => token(url, { grant_type: 'refresh_token', refresh_token, ...STEADY });

    const deleted = (await loginAs(a.url, 0)).body.refresh_token!;
    const kept = (await loginAs(a.url, 1)).body.refresh_token!;
    expect(await a.stop()).toBe(0);

    const b = await startChild(file, stateDir);
    const users = (await (await fetch(`${b.url}/__emulator/users`)).json()) as { user_id: string; email: string }[];
    const id = users.find((u) => u.email === userEmail(0))!.user_id;
    expect((await fetch(`${b.url}/__emulator/users/${encodeURIComponent(id)}`, { method: 'DELETE' })).status).toBe(204);
    await b.kill();

    // Runtime changes do not outlive the process, so the config's user is back; their old token is not.
    const c = await startChild(file, stateDir);
    expect(await refreshAt(c.url, deleted)).toEqual({ status: 403, body: USER_GONE });
    expect((await refreshAt(c.url, kept)).status).toBe(200);
    expect((await loginAs(c.url, 0)).status).toBe(200);
    await c.kill();
  });
});

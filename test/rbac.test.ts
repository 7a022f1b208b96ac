/**
 * Roles and permissions (Auth0's RBAC, reference §4): the scope intersection under `enforce_policies`, the
 * `access_token_authz` dialect, refresh, minting, the extensions' `authorization.roles`, the config checks and
 * hot reload of a role change. Fixture: test/fixtures/rbac/.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../src/config/load.js';
import type { ReloadEvent } from '../src/index.js';
import { decode, fixture, startEmulator, tempDir, verifyWithServedJwks, type TestEmulator } from './helpers.js';

const ORDERS = 'https://orders.example';
const PLAIN = 'https://plain.example';
const CONFIG = fixture('rbac/auth.config.yaml');

let t: TestEmulator;
let issuer: string;
beforeAll(async () => {
  t = await startEmulator({ config: CONFIG });
  issuer = (await t.http.get('/.well-known/openid-configuration')).body.issuer;
});
afterAll(() => t.close());

const login = (http: TestEmulator['http'], username: string, body: Record<string, string>) =>
  http.post('/oauth/token').send({ grant_type: 'password', username, password: 'pw', client_id: 'app', client_secret: 'app-secret', ...body });

describe('RBAC on the password grant', () => {
  it('grants, of the requested scopes, only the permissions the user has through its roles', async () => {
    const res = await login(t.http, 'reader@x.example', { audience: ORDERS, scope: 'read:orders write:orders' }).expect(200);
    expect(res.body.scope).toBe('read:orders');
    const claims = await verifyWithServedJwks(t.http, res.body.access_token, { issuer, audience: ORDERS });
    expect(claims.scope).toBe('read:orders');
  });

  it('with no API scope requested, grants every permission the user has for the API', async () => {
    const res = await login(t.http, 'writer@x.example', { audience: ORDERS }).expect(200);
    expect(res.body.scope).toBe('read:orders write:orders');
  });

  it('access_token_authz: the token carries all the user\'s permissions for the API, whatever was requested', async () => {
    const res = await login(t.http, 'writer@x.example', { audience: ORDERS, scope: 'write:orders' }).expect(200);
    const claims = decode(res.body.access_token);
    expect(claims.scope).toBe('write:orders');
    expect(claims.permissions).toEqual(['read:orders', 'write:orders']);
    // Claim order: Auth0's profile claims, then permissions, then custom claims.
    expect(Object.keys(claims)).toEqual(['iss', 'sub', 'aud', 'iat', 'exp', 'scope', 'gty', 'azp', 'permissions', 'https://x.example/rule_roles', 'https://x.example/action_roles']);
  });

  it('a user without roles gets no API scope and an empty `permissions`', async () => {
    const res = await login(t.http, 'nobody@x.example', { audience: ORDERS, scope: 'openid read:orders' }).expect(200);
    expect(res.body.scope).toBe('openid profile email address phone');
    expect(decode(res.body.access_token)).toMatchObject({ scope: 'openid profile email address phone', permissions: [] });
  });

  it('leaves OIDC scopes and offline_access alone', async () => {
    const res = await login(t.http, 'reader@x.example', { audience: ORDERS, scope: 'openid email offline_access delete:orders' }).expect(200);
    expect(res.body.scope).toBe('openid email offline_access');
    expect(res.body.refresh_token).toEqual(expect.any(String));
    expect(res.body.id_token).toEqual(expect.any(String));
  });

  it('direct permissions count; without access_token_authz there is no `permissions` claim', async () => {
    const writer = await login(t.http, 'writer@x.example', { audience: PLAIN }).expect(200);
    expect(writer.body.scope).toBe('read:plain');
    expect(decode(writer.body.access_token).permissions).toBeUndefined();
    const reader = await login(t.http, 'reader@x.example', { audience: PLAIN, scope: 'read:plain' }).expect(200);
    expect(reader.body.scope).toBe('');
  });

  it('rules and Actions see the role names, and cannot set `permissions`', async () => {
    const res = await login(t.http, 'writer@x.example', { audience: ORDERS }).expect(200);
    expect(decode(res.body.access_token)).toMatchObject({
      permissions: ['read:orders', 'write:orders'],
      'https://x.example/rule_roles': ['reader', 'writer'],
      'https://x.example/action_roles': ['reader', 'writer'],
    });
    const nobody = await login(t.http, 'nobody@x.example', { audience: ORDERS }).expect(200);
    expect(decode(nobody.body.access_token)).toMatchObject({ 'https://x.example/rule_roles': [], 'https://x.example/action_roles': [] });
  });

  it('a config user changed at runtime keeps its roles', async () => {
    const user = t.emulator.updateUser('reader@x.example', { name: 'Renamed Reader' });
    const res = await login(t.http, 'reader@x.example', { audience: ORDERS }).expect(200);
    expect(decode(res.body.access_token)).toMatchObject({ sub: user.user_id, scope: 'read:orders', permissions: ['read:orders'], 'https://x.example/rule_roles': ['reader'] });
  });

  it('minting follows the same rules', async () => {
    const tokens = await t.emulator.mint({ client: 'app', user: 'reader@x.example', audience: ORDERS, scope: 'read:orders delete:orders' });
    expect(decode(tokens.access_token)).toMatchObject({ scope: 'read:orders', permissions: ['read:orders'] });
  });
});

describe('RBAC on the browser login', () => {
  it('the access token of a silent login gets the requested ∩ permissions, and `permissions` (example config)', async () => {
    const e = await startEmulator();
    try {
      const session = await e.emulator.startSession({ user: 'user@example.com' });
      const res = await e.http
        .get('/authorize')
        .query({ client_id: 'web-app', response_type: 'token', redirect_uri: 'http://localhost:3000/callback', audience: 'https://orders.example/api', scope: 'read:orders write:orders', state: 's', prompt: 'none' })
        .set('Cookie', session.cookies.map((c) => `${c.name}=${c.value}`).join('; '))
        .expect(302);
      const fragment = new URLSearchParams(new URL(res.headers.location!).hash.slice(1));
      expect(fragment.get('error_description')).toBeNull();
      expect(fragment.get('scope')).toBe('read:orders');
      expect(decode(fragment.get('access_token')!)).toMatchObject({ scope: 'read:orders', permissions: ['read:orders'] });
    } finally {
      await e.close();
    }
  });
});

describe('RBAC and hot reload', () => {
  it('a role taken away narrows the next login, and the refresh of an earlier one', async () => {
    const dir = tempDir();
    const file = join(dir, 'auth.config.yaml');
    for (const name of ['auth.config.yaml', 'roles-rule.js', 'roles-action.js']) copyFileSync(fixture(`rbac/${name}`), join(dir, name));
    const events: ReloadEvent[] = [];
    let heard: (() => void) | undefined;
    const r = await startEmulator({ config: file, watch: true, onReload: (e) => (events.push(e), heard?.()) });
    try {
      const before = await login(r.http, 'writer@x.example', { audience: ORDERS, scope: 'read:orders write:orders offline_access' }).expect(200);
      expect(decode(before.body.access_token).scope).toBe('read:orders write:orders offline_access');

      const reloaded = new Promise<void>((resolve) => (heard = resolve));
      writeFileSync(file, readFileSync(file, 'utf8').replace('roles: [reader, writer]', 'roles: [reader]'));
      await reloaded;
      expect(events).toEqual([{ ok: true, summary: 'dev: ~1 user', ms: expect.any(Number) }]);

      const after = await login(r.http, 'writer@x.example', { audience: ORDERS, scope: 'read:orders write:orders' }).expect(200);
      expect(decode(after.body.access_token)).toMatchObject({ scope: 'read:orders', permissions: ['read:orders'] });
      const refreshed = await r.http
        .post('/oauth/token')
        .send({ grant_type: 'refresh_token', refresh_token: before.body.refresh_token, client_id: 'app', client_secret: 'app-secret' })
        .expect(200);
      expect(refreshed.body.scope).toBe('read:orders offline_access');
      expect(decode(refreshed.body.access_token).permissions).toEqual(['read:orders']);
    } finally {
      await r.close();
    }
  });
});

describe('RBAC config checks', () => {
  const yaml = (users: string, extra = '') => `tenants:
  - name: dev
    apis:
      - identifier: https://orders.example
        scopes: [read:orders]
        enforce_policies: ${extra ? 'false' : 'true'}
        token_dialect: access_token_authz
    roles:
      - name: reader
        permissions: ['https://orders.example read:order']
      - name: admin
        permissions:
          - resource_server_identifier: https://order.example
            permission_name: read:orders
    connections:
      - name: db
        users:
${users}`;
  const message = (text: string) => {
    try {
      parseConfigText(text, '/x/auth.config.yaml');
    } catch (err) {
      return (err as Error).message.split('\n').filter((l) => !/^\s+(>?\s*\d+ \||\|)/.test(l));
    }
    throw new Error('expected a ConfigError');
  };

  it('names file and line, with a suggestion, for unknown roles, APIs and permissions', () => {
    const users = `          - email: a@x.example
            password: pw
            roles: [reader, raeder]
            permissions: ['https://orders.example write:orders']
`;
    expect(message(yaml(users))).toEqual([
      'Invalid config /x/auth.config.yaml (4 problems):',
      '  /x/auth.config.yaml:10:23  tenants[0].roles[0].permissions[0]: "read:order" is not a scope of API "https://orders.example"; did you mean "read:orders"?',
      '  /x/auth.config.yaml:13:41  tenants[0].roles[1].permissions[0].resource_server_identifier: no API with identifier "https://order.example" in this tenant; did you mean "https://orders.example"?',
      '  /x/auth.config.yaml:20:29  tenants[0].connections[0].users[0].roles[1]: no role named "raeder" in this tenant; did you mean "reader"?',
      '  /x/auth.config.yaml:21:27  tenants[0].connections[0].users[0].permissions[0]: "write:orders" is not a scope of API "https://orders.example"',
    ]);
  });

  it('refuses access_token_authz without enforce_policies', () => {
    const valid = yaml('          - email: a@x.example\n            password: pw\n', 'off')
      .replace('read:order\'', 'read:orders\'')
      .replace('https://order.example', 'https://orders.example');
    expect(message(valid)).toEqual([
      'Invalid config /x/auth.config.yaml (1 problem):',
      '  /x/auth.config.yaml:7:24  tenants[0].apis[0].token_dialect: access_token_authz needs `enforce_policies: true` (RBAC) on this API',
    ]);
  });

  it('refuses a short form without an API identifier', () => {
    const users = `          - email: a@x.example
            password: pw
            permissions: ['read:orders']
`;
    expect(message(yaml(users))).toEqual([
      'Invalid config /x/auth.config.yaml (1 problem):',
      '  /x/auth.config.yaml:20:27  tenants[0].connections[0].users[0].permissions[0]: expected "<API identifier> <permission>" or {resource_server_identifier, permission_name}',
    ]);
  });
});

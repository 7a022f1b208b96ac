/**
 * Actions (reference §10): post-login on the password and refresh grants, credentials-exchange on client
 * credentials, and a rule and an Action together. One emulator, one tenant per scenario; the Action files
 * under test/fixtures/actions are written as Auth0 users write them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthEmulatorConfig, ExtensionLogEntry, RequestLogEntry } from '../src/index.js';
import { API, decode, startEmulator, verifyWithServedJwks, type TestEmulator } from './helpers.js';

type TenantInput = AuthEmulatorConfig['tenants'][number];

const ACTIONS = 'test/fixtures/actions';
const CLIENT = { client_id: 'app', client_secret: 'app-secret' } as const;

/** A tenant with one API, one client (password, refresh, client credentials) and one user, plus `extra`. */
function tenant(name: string, extra: Partial<TenantInput> = {}): TenantInput {
  return {
    name,
    default_directory: 'Username-Password-Authentication',
    apis: [{ identifier: API, scopes: ['read:sample', 'write:sample'], allow_offline_access: true }],
    clients: [
      {
        ...CLIENT,
        name: 'App',
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['password', 'refresh_token', 'client_credentials'],
        client_metadata: { plan: 'gold' },
      },
    ],
    client_grants: [{ client_id: 'app', audience: API, scope: ['read:sample'] }],
    connections: [
      {
        name: 'Username-Password-Authentication',
        users: [{ email: 'user@example.com', password: 'pwd', name: 'Example User', app_metadata: { plan: 'gold' } }],
      },
    ],
    ...extra,
  };
}

/** A machine client of the `m2m` tenant; `suspended` is the deny code its guard Action uses. */
const machine = (client_id: string, metadata: Record<string, string>) => ({
  client_id,
  client_secret: `${client_id}-secret`,
  token_endpoint_auth_method: 'client_secret_post' as const,
  grant_types: ['client_credentials' as const],
  client_metadata: metadata,
});

const config: AuthEmulatorConfig = {
  tenants: [
    tenant('claims', { actions: { 'post-login': `${ACTIONS}/add-claims.js` } }),
    tenant('scopes', { actions: { 'post-login': [`${ACTIONS}/narrow-scopes.js`] } }),
    tenant('deny', { actions: { 'post-login': [`${ACTIONS}/require-verified-email.js`, `${ACTIONS}/audit-login.js`] } }),
    tenant('visits', { actions: { 'post-login': [`${ACTIONS}/count-visits.js`] } }),
    tenant('mfa-action', { actions: { 'post-login': [`${ACTIONS}/require-mfa.js`] } }),
    tenant('event', { actions: { 'post-login': [`${ACTIONS}/echo-event.js`] }, secrets: { API_KEY: 'k-123' } }),
    tenant('mixed', { rules: ['test/fixtures/sandbox/source-rule.js'], actions: { 'post-login': [`${ACTIONS}/source-action.js`] } }),
    tenant('throws', { actions: { 'post-login': [`${ACTIONS}/crm-lookup.js`] } }),
    tenant('m2m', {
      clients: [
        machine('svc', { tier: 'gold' }),
        machine('svc-scope', { suspended: 'invalid_scope' }),
        machine('svc-request', { suspended: 'invalid_request' }),
        machine('svc-server', { suspended: 'server_error' }),
      ],
      client_grants: ['svc', 'svc-scope', 'svc-request', 'svc-server'].map((client_id) => ({ client_id, audience: API, scope: ['read:sample', 'write:sample'] })),
      actions: { 'credentials-exchange': [`${ACTIONS}/m2m-guard.js`, `${ACTIONS}/m2m-claims.js`] },
      secrets: { BILLING_KEY: 'bk-1' },
    }),
    tenant('m2m-broken', { actions: { 'credentials-exchange': [`${ACTIONS}/m2m-billing.js`] } }),
  ],
};

let t: TestEmulator;
const logs: ExtensionLogEntry[] = [];
const requests: RequestLogEntry[] = [];
beforeAll(async () => {
  t = await startEmulator({ config, extensionLog: (e) => logs.push(e), log: (e) => requests.push(e) });
});
afterAll(() => t.close());

const issuerOf = (name: string) => `${t.url}/${name}/`;

const password = (name: string, body: Record<string, unknown> = {}) =>
  t.http.post(`/${name}/oauth/token`).send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', ...CLIENT, ...body });

const refresh = (name: string, refreshToken: string) =>
  t.http.post(`/${name}/oauth/token`).send({ grant_type: 'refresh_token', refresh_token: refreshToken, ...CLIENT });

const m2m = (name: string, clientId: string, body: Record<string, unknown> = {}) =>
  t.http.post(`/${name}/oauth/token`).send({ grant_type: 'client_credentials', client_id: clientId, client_secret: `${clientId}-secret`, audience: API, ...body });

/** The extension log entries of the latest request to `path`, matched by request id. */
function logsOfLast(path: string): ExtensionLogEntry[] {
  const request = requests.filter((r) => r.path === path).at(-1);
  expect(request).toBeDefined();
  return logs.filter((e) => e.requestId === request!.id);
}

describe('post-login Actions', () => {
  it('puts setCustomClaim values into the access token and the ID token, ignoring restricted claims', async () => {
    const res = await password('claims', { audience: API, scope: 'openid read:sample' }).expect(200);
    const at = await verifyWithServedJwks(t.http, res.body.access_token, { prefix: '/claims', issuer: issuerOf('claims'), audience: API });
    expect(at).toMatchObject({ 'https://example.com/plan': 'gold', favourite_colour: 'teal', azp: 'app', gty: 'password' });
    expect(at.sub).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(at['https://example.com/email']).toBeUndefined();

    const id = await verifyWithServedJwks(t.http, res.body.id_token, { prefix: '/claims', issuer: issuerOf('claims'), audience: 'app' });
    expect(id).toMatchObject({ 'https://example.com/email': 'user@example.com', 'https://example.com/roles': ['admin', 'editor'] });
    expect(id['https://example.com/plan']).toBeUndefined();

    const entries = logsOfLast('/claims/oauth/token');
    expect(entries.map(({ file, level, text }) => ({ file, level, text }))).toEqual([
      { file: `${ACTIONS}/add-claims.js`, level: 'warn', text: 'access_token claim "sub" ignored: a restricted claim' },
      {
        file: '-',
        level: 'explain',
        text:
          `user@example.com via app: ${ACTIONS}/add-claims.js: access_token https://example.com/plan="gold", access_token favourite_colour="teal", ` +
          'id_token https://example.com/email="user@example.com", id_token https://example.com/roles=["admin","editor"]',
      },
    ]);
  });

  it('changes the access token scope with addScope/removeScope, and the response says so', async () => {
    const res = await password('scopes', { audience: API, scope: 'read:sample' }).expect(200);
    expect(res.body.scope).toBe('write:sample');
    expect(decode(res.body.access_token).scope).toBe('write:sample');
    expect(logsOfLast('/scopes/oauth/token').at(-1)).toMatchObject({
      level: 'explain',
      text: `user@example.com via app: ${ACTIONS}/narrow-scopes.js: scope -read:sample, scope +write:sample`,
    });
  });

  it('api.access.deny(reason) fails the login with 403 access_denied and later Actions do not run', async () => {
    const res = await password('deny', { audience: API }).expect(403);
    expect(res.body).toEqual({ error: 'access_denied', error_description: 'Please verify your email before logging in.' });
    expect(res.headers['cache-control']).toBe('no-store');
    // audit-login.js would have logged a line and set metadata.
    expect(logsOfLast('/deny/oauth/token')).toEqual([]);
    expect(logs.filter((e) => e.file.endsWith('audit-login.js'))).toEqual([]);
  });

  it('persists api.user.setAppMetadata: the next login sees it in event.user.app_metadata', async () => {
    const visits = async () => decode((await password('visits', { audience: API }).expect(200)).body.access_token)['https://example.com/visits'];
    expect(await visits()).toBe(0);
    expect(await visits()).toBe(1);
    expect(await visits()).toBe(2);
    expect(logsOfLast('/visits/oauth/token').at(-1)).toMatchObject({
      level: 'explain',
      text: `user@example.com via app: ${ACTIONS}/count-visits.js: access_token https://example.com/visits=2, app_metadata.visits set`,
    });
  });

  it('api.multifactor.enable() answers 403 mfa_required with an mfa_token', async () => {
    const res = await password('mfa-action', { audience: API }).expect(403);
    expect(res.body).toEqual({
      error: 'mfa_required', // emulator's status (NOTE(emulator) in src/extensions/run-user-extensions.ts)
      error_description: 'Multifactor authentication required',
      mfa_token: expect.stringMatching(/^emulator-mfa-[0-9a-f]{8}$/), // emulator's wording (NOTE(emulator) in src/extensions/run-user-extensions.ts)
    });
  });

  it('gives the Action the event: user, client, transaction, secrets, request body (no password) and stats', async () => {
    const body = { audience: API, scope: 'openid offline_access read:sample' };
    const first = await password('event', body).expect(200);
    expect(decode(first.body.access_token)['https://example.com/event']).toEqual({
      email: 'user@example.com',
      client_id: 'app',
      client_metadata: { plan: 'gold' },
      protocol: 'oauth2-password',
      requested_scopes: ['openid', 'offline_access', 'read:sample'],
      api_key: 'k-123',
      body: { grant_type: 'password', username: 'user@example.com', client_id: 'app', audience: API, scope: 'openid offline_access read:sample' },
      logins_count: 1,
    });

    const second = await password('event', body).expect(200);
    expect(decode(second.body.access_token)['https://example.com/event']).toMatchObject({ logins_count: 2 });

    // Post-login Actions also run on the refresh exchange; a refresh is not a login.
    expect(second.body.refresh_token).toEqual(expect.any(String));
    const refreshed = await refresh('event', second.body.refresh_token).expect(200);
    const event = decode(refreshed.body.access_token)['https://example.com/event'] as Record<string, unknown>;
    expect(event).toMatchObject({ email: 'user@example.com', client_id: 'app', protocol: 'oauth2-refresh-token', requested_scopes: [], api_key: 'k-123', logins_count: 2 });
    expect(event.body).toMatchObject({ grant_type: 'refresh_token', client_id: 'app' });
    expect(event.body).not.toHaveProperty('client_secret');
  });

  it('runs post-login Actions on refresh: their claims land in the refreshed access token', async () => {
    const login = await password('claims', { audience: API, scope: 'openid offline_access' }).expect(200);
    const res = await refresh('claims', login.body.refresh_token).expect(200);
    expect(decode(res.body.access_token)).toMatchObject({ 'https://example.com/plan': 'gold', gty: 'refresh_token' });
    expect(decode(res.body.id_token)).toMatchObject({ 'https://example.com/email': 'user@example.com' });
  });

  it('runs rules before Actions: the Action overrides a claim the rule set, the rule-only claim stays', async () => {
    const res = await password('mixed', { audience: API }).expect(200);
    expect(decode(res.body.access_token)).toMatchObject({ 'https://example.com/source': 'action', 'https://example.com/plan': 'gold' });
    const entries = logsOfLast('/mixed/oauth/token');
    expect(entries.map(({ file, level, text }) => ({ file, level, text }))).toEqual([
      { file: 'test/fixtures/sandbox/source-rule.js', level: 'log', text: 'rule ran' },
      { file: `${ACTIONS}/source-action.js`, level: 'log', text: 'action ran' },
      {
        file: '-',
        level: 'explain',
        text:
          'user@example.com via app: test/fixtures/sandbox/source-rule.js: access_token https://example.com/source="rule", access_token https://example.com/plan="gold"; ' +
          `${ACTIONS}/source-action.js: access_token https://example.com/source="action"`,
      },
    ]);
  });

  it('turns an Action that throws into 403 access_denied with the message', async () => {
    const res = await password('throws', { audience: API }).expect(403);
    expect(res.body).toEqual({ error: 'access_denied', error_description: 'CRM_URL secret is not set' });
  });
});

describe('credentials-exchange Actions', () => {
  it('puts setCustomClaim values into the client-credentials token and gives the event', async () => {
    const res = await m2m('m2m', 'svc', { scope: 'read:sample' }).expect(200);
    expect(res.body).toEqual({ access_token: expect.any(String), scope: 'read:sample', expires_in: 86400, token_type: 'Bearer' });
    const at = await verifyWithServedJwks(t.http, res.body.access_token, { prefix: '/m2m', issuer: issuerOf('m2m'), audience: API });
    expect(at).toMatchObject({
      sub: 'svc@clients',
      gty: 'client-credentials',
      scope: 'read:sample',
      'https://example.com/tier': 'gold',
      'https://example.com/exchange': { scope: ['read:sample'], requested: ['read:sample'], audience: API, tenant: 'm2m', has_billing_key: true },
    });
    expect(logsOfLast('/m2m/oauth/token').at(-1)).toMatchObject({
      file: '-',
      level: 'explain',
      text: expect.stringMatching(/^svc@clients: test\/fixtures\/actions\/m2m-claims\.js: access_token https:\/\/example\.com\/tier="gold", access_token https:\/\/example\.com\/exchange=\{/),
    });
  });

  it.each([
    ['svc-scope', 400, 'invalid_scope'],
    ['svc-request', 400, 'invalid_request'],
    ['svc-server', 500, 'server_error'],
  ])('api.access.deny(code, reason) for %s answers %i %s, and the next Action does not run', async (clientId, status, error) => {
    const res = await m2m('m2m', clientId).expect(status);
    expect(res.body).toEqual({ error, error_description: `${clientId} is suspended` });
    expect(logsOfLast('/m2m/oauth/token')).toEqual([]);
  });

  it('turns an Action that throws into 500 server_error with the message', async () => {
    const res = await m2m('m2m-broken', 'app').expect(500);
    expect(res.body).toEqual({ error: 'server_error', error_description: 'BILLING_KEY secret is not set' });
  });
});

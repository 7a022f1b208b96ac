/**
 * Webtask hooks (reference §9): `credentials-exchange` on the client-credentials grant and `password-exchange`
 * on the password grant. One emulator serves a tenant per scenario (path form, `/<tenant>/oauth/token`), each the
 * example tenant plus an API with the scope `test` that trusted-app has a client grant [test] for. The hook files
 * under test/fixtures/extensions are written as Auth0 users wrote them (the seeds' sample verbatim).
 */
import { readFileSync, rmSync } from 'node:fs';
import { relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { AuthEmulatorConfig, ExtensionLogEntry } from '../src/index.js';
import { API, EXAMPLE_CONFIG, TRUSTED, decode, fixture, rsaPem, startEmulator, tempDir, verifyWithServedJwks, writeTemp, type TestEmulator } from './helpers.js';

type TenantInput = AuthEmulatorConfig['tenants'][number];

/** The API of seed 002 (API_IDENTIFIER): its scopes include `test`, and trusted-app is granted [test]. */
const HOOK_API = 'https://api.example.com/hooks';
/** An API trusted-app has a client grant for, with no scopes: the hook gets `scope` undefined. */
const EMPTY_API = 'https://api.example.com/no-scopes';

const EXAMPLE_TENANT = (parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as AuthEmulatorConfig).tenants[0]!;
const ext = (name: string) => fixture(`extensions/${name}`);
/** One signing key for every tenant: generating one per tenant would dominate the file's run time. */
const KEY_DIR = tempDir();
const SIGNING_KEY = writeTemp(KEY_DIR, 'signing-key.pem', rsaPem());
const logName = (name: string) => relative(process.cwd(), ext(name));

function tenant(name: string, extra: Partial<TenantInput>): TenantInput {
  const base = structuredClone(EXAMPLE_TENANT);
  return {
    ...base,
    name,
    default: false,
    signing_key: SIGNING_KEY,
    apis: [...(base.apis ?? []), { identifier: HOOK_API, scopes: ['test', 'admin'] }, { identifier: EMPTY_API }],
    client_grants: [...(base.client_grants ?? []), { client_id: 'trusted-app', audience: HOOK_API, scope: ['test'] }, { client_id: 'trusted-app', audience: EMPTY_API, scope: [] }],
    secrets: { FOO: 'bar' },
    extension_timeout_ms: 2_000,
    ...extra,
  };
}
const ccHook = (name: string, file: string, extra: Partial<TenantInput> = {}) => tenant(name, { hooks: { 'credentials-exchange': ext(file) }, ...extra });
const pwHook = (name: string, file: string, extra: Partial<TenantInput> = {}) => tenant(name, { hooks: { 'password-exchange': ext(file) }, ...extra });

const CONFIG: AuthEmulatorConfig = {
  tenants: [
    ccHook('cc-seed', 'seed-002-credentials-exchange-hook.js'),
    ccHook('cc-bare', 'cc-hook-bare-function.js'),
    ccHook('cc-claims', 'cc-hook-claims.js'),
    ccHook('cc-no-scope', 'cc-hook-no-scope.js'),
    ccHook('cc-inputs', 'cc-hook-inputs.js'),
    ccHook('cc-error', 'cc-hook-error.js'),
    ccHook('cc-invalid-scope', 'cc-hook-invalid-scope.js'),
    ccHook('cc-invalid-request', 'cc-hook-invalid-request.js'),
    ccHook('cc-server-error', 'cc-hook-server-error.js'),
    ccHook('cc-throws', 'cc-hook-throws.js'),
    ccHook('cc-timeout', 'cc-hook-never-calls-back.js', { extension_timeout_ms: 100 }),
    pwHook('pw-seed', 'seed-000-001-password-exchange-hook.js'),
    pwHook('pw-nested', 'pw-hook-nested.js'),
    pwHook('pw-inputs', 'pw-hook-inputs.js'),
    pwHook('pw-error', 'pw-hook-error.js'),
    pwHook('pw-after-rules', 'seed-000-001-password-exchange-hook.js', { rules: [ext('rule-order-first.js')] }),
  ],
};

let t: TestEmulator;
const logs: ExtensionLogEntry[] = [];
beforeAll(async () => {
  t = await startEmulator({ config: CONFIG, extensionLog: (entry) => logs.push(entry) });
});
afterAll(async () => {
  await t.close();
  rmSync(KEY_DIR, { recursive: true, force: true });
});

const issuer = (name: string) => `${t.url}/${name}/`;
const token = (name: string, body: Record<string, unknown>) =>
  t.http.post(`/${name}/oauth/token`).set('User-Agent', 'hooks-test/1.0').send({ ...TRUSTED, ...body });
const clientCredentials = (name: string, body: Record<string, unknown> = {}) => token(name, { grant_type: 'client_credentials', audience: HOOK_API, ...body });
const password = (name: string, body: Record<string, unknown> = {}) =>
  token(name, { grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, ...body });
const verify = (name: string, jwt: string, audience: string) => verifyWithServedJwks(t.http, jwt, { prefix: `/${name}`, issuer: issuer(name), audience });
const logsOf = (name: string, level: string) => logs.filter((e) => e.tenant === name && e.level === level);

describe('credentials-exchange hook (client credentials)', () => {
  it("seed 002's sample (`module.exports = function(client, scope, audience, context, cb)`): scope 'test extra' and https://foo.com/claim", async () => {
    const res = await clientCredentials('cc-seed').expect(200);
    expect(Object.keys(res.body)).toEqual(['access_token', 'scope', 'expires_in', 'token_type']);
    expect(res.body).toMatchObject({ scope: 'test extra', expires_in: 86400, token_type: 'Bearer' });
    const at = await verify('cc-seed', res.body.access_token, HOOK_API);
    expect(Object.keys(at)).toEqual(['iss', 'sub', 'aud', 'iat', 'exp', 'azp', 'scope', 'gty', 'https://foo.com/claim']);
    expect(at).toMatchObject({
      iss: issuer('cc-seed'),
      sub: 'trusted-app@clients',
      aud: HOOK_API,
      azp: 'trusted-app',
      scope: 'test extra',
      gty: 'client-credentials',
      'https://foo.com/claim': 'bar',
    });
  });

  it('sums up what the hook changed in one `explain` entry', async () => {
    const before = logsOf('cc-seed', 'explain').length;
    await clientCredentials('cc-seed').expect(200);
    const entries = logsOf('cc-seed', 'explain').slice(before);
    expect(entries.map((e) => e.text)).toEqual([
      `trusted-app@clients: ${logName('seed-002-credentials-exchange-hook.js')}: access_token https://foo.com/claim="bar", scope +extra`,
    ]);
  });

  it('the same sample fails when the client grant has no scopes: `scope` is undefined, so scope.push throws → 500', async () => {
    const res = await clientCredentials('cc-seed', { audience: EMPTY_API }).expect(500);
    expect(res.body).toEqual({ error: 'server_error', error_description: "Cannot read properties of undefined (reading 'push')" });
  });

  it('accepts the bare function form', async () => {
    const res = await clientCredentials('cc-bare').expect(200);
    expect(res.body.scope).toBe('test bare');
    const at = await verify('cc-bare', res.body.access_token, HOOK_API);
    expect(at).toMatchObject({ scope: 'test bare', 'https://example.com/form': 'bare function' });
  });

  it('keeps only `scope` and namespaced URL keys (not on Auth0 hosts); the others are dropped with a warning', async () => {
    const before = logsOf('cc-claims', 'warn').length;
    const res = await clientCredentials('cc-claims').expect(200);
    expect(res.body.scope).toBe('test');
    const at = await verify('cc-claims', res.body.access_token, HOOK_API);
    expect(Object.keys(at)).toEqual(['iss', 'sub', 'aud', 'iat', 'exp', 'azp', 'scope', 'gty', 'https://example.com/kept', 'http://example.com/http']);
    expect(at).toMatchObject({ sub: 'trusted-app@clients', scope: 'test', 'https://example.com/kept': { nested: [1, 2] }, 'http://example.com/http': 'kept too' });

    const file = logName('cc-hook-claims.js');
    expect(logsOf('cc-claims', 'warn').slice(before).map((e) => [e.file, e.text])).toEqual([
      [file, 'access_token claim "plan" ignored: not a namespaced URL'],
      [file, 'access_token claim "sub" ignored: not a namespaced URL'],
      [file, 'access_token claim "https://tenant.auth0.com/claim" ignored: an Auth0 namespace'],
      [file, 'access_token claim "https://box.webtask.io/claim" ignored: an Auth0 namespace'],
      [file, 'access_token claim "urn:example:claim" ignored: not a namespaced URL'],
    ]);
  });

  it('omitting `scope` resets the scopes to what the hook returned: none (reference §9)', async () => {
    const res = await clientCredentials('cc-no-scope').expect(200);
    expect(Object.keys(res.body)).toEqual(['access_token', 'scope', 'expires_in', 'token_type']);
    expect(res.body.scope).toBe('');
    const at = await verify('cc-no-scope', res.body.access_token, HOOK_API);
    expect(at).toMatchObject({ scope: '', 'https://example.com/claim': 'no scope returned' });
  });

  it('receives client {tenant, id, name, metadata}, the granted scopes, the audience, and context {ip, userAgent, webtask.secrets}', async () => {
    const res = await clientCredentials('cc-inputs').expect(200);
    const at = decode(res.body.access_token);
    expect(at['https://example.com/client']).toEqual({ tenant: 'cc-inputs', id: 'trusted-app', name: 'Trusted App', metadata: { plan: 'gold' } });
    expect(at['https://example.com/scope']).toEqual(['test']);
    expect(at['https://example.com/audience']).toBe(HOOK_API);
    expect(at['https://example.com/context']).toEqual({ ip: expect.stringMatching(/127\.0\.0\.1$/), userAgent: 'hooks-test/1.0' });
    expect(at['https://example.com/foo']).toBe('bar');

    // No granted scopes: `scope` is undefined (so absent from the JSON claim), and the token's scope is ''.
    const empty = decode((await clientCredentials('cc-inputs', { audience: EMPTY_API }).expect(200)).body.access_token);
    expect(empty).not.toHaveProperty('https://example.com/scope');
    expect(empty).toMatchObject({ scope: '', 'https://example.com/audience': EMPTY_API });
  });

  it.each([
    ['cc-error', "cb(new Error('access denied'))", 500, { error: 'server_error', error_description: 'access denied' }],
    ['cc-invalid-scope', 'cb(new InvalidScopeError(m))', 400, { error: 'invalid_scope', error_description: 'The admin scope is required' }],
    ['cc-invalid-request', 'cb(new InvalidRequestError(m))', 400, { error: 'invalid_request', error_description: 'This client has no tier in its metadata' }],
    ['cc-server-error', 'cb(new ServerError(m))', 500, { error: 'server_error', error_description: 'The billing service is down' }],
    ['cc-throws', 'a thrown exception', 500, { error: 'server_error', error_description: "Cannot read properties of undefined (reading 'tier')" }],
    ['cc-timeout', 'cb never called (over extension_timeout_ms)', 500, { error: 'server_error', error_description: 'Request to Webtask exceeded allowed execution time' }], // emulator's status (NOTE(emulator) in src/extensions/run-user-extensions.ts)
  ])('%s: %s → %i', async (name, _how, status, body) => {
    const res = await clientCredentials(name).expect(status);
    expect(res.body).toEqual(body);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('does not run on the password grant', async () => {
    const res = await password('cc-seed', { scope: 'read:sample' }).expect(200);
    expect(res.body.scope).toBeUndefined();
    expect(decode(res.body.access_token)).not.toHaveProperty('https://foo.com/claim');
  });
});

describe('password-exchange hook (password grant)', () => {
  it("seeds 000/001's sample (flat result {scope, 'https://ns/x': v}): 'read:sample' gives 'read:sample extra'", async () => {
    const res = await password('pw-seed', { scope: 'read:sample' }).expect(200);
    expect(Object.keys(res.body)).toEqual(['access_token', 'scope', 'expires_in', 'token_type']);
    expect(res.body).toMatchObject({ scope: 'read:sample extra', expires_in: 86400, token_type: 'Bearer' });
    const at = await verify('pw-seed', res.body.access_token, API);
    expect(Object.keys(at)).toEqual(['iss', 'sub', 'aud', 'iat', 'exp', 'scope', 'gty', 'azp', 'https://foo.com/claim']);
    expect(at).toMatchObject({ scope: 'read:sample extra', gty: 'password', azp: 'trusted-app', 'https://foo.com/claim': 'bar' });
    expect(at.sub).toMatch(/^auth0\|[0-9a-f]{24}$/);
  });

  it('the nested result {accessToken: {scope, …}, idToken: {…}}: claims go to each token, non-namespaced keys are dropped', async () => {
    const before = logsOf('pw-nested', 'warn').length;
    const res = await password('pw-nested', { scope: 'openid profile read:sample' }).expect(200);
    expect(Object.keys(res.body)).toEqual(['access_token', 'id_token', 'scope', 'expires_in', 'token_type']);
    expect(res.body.scope).toBe('openid profile read:sample extra');

    const at = await verify('pw-nested', res.body.access_token, API);
    expect(at).toMatchObject({ scope: 'openid profile read:sample extra', 'https://example.com/email': 'user@example.com' });
    expect(at).not.toHaveProperty('plain');
    expect(at).not.toHaveProperty('https://example.com/display_name');

    const id = await verify('pw-nested', res.body.id_token, 'trusted-app');
    expect(id).toMatchObject({ 'https://example.com/display_name': 'Example User', nickname: 'user' }); // the hook's nickname was dropped
    expect(id).not.toHaveProperty('https://example.com/email');

    const file = logName('pw-hook-nested.js');
    expect(logsOf('pw-nested', 'warn').slice(before).map((e) => [e.file, e.text])).toEqual([
      [file, 'access_token claim "plain" ignored: not a namespaced URL'],
      [file, 'id_token claim "nickname" ignored: not a namespaced URL'],
    ]);
  });

  it('receives user {tenant, id, displayName, email, user_metadata, app_metadata}, client, scope, audience and context', async () => {
    const res = await password('pw-inputs', { scope: 'read:sample' }).expect(200);
    expect(res.body.scope).toBeUndefined(); // no `scope` returned: the scopes are kept
    const at = decode(res.body.access_token);
    expect(at['https://example.com/user']).toEqual({
      tenant: 'pw-inputs',
      id: at.sub,
      displayName: 'Example User',
      email: 'user@example.com',
      user_metadata: { some_user_metadata: 'value' },
      app_metadata: { some_app_metadata: 'another value' },
    });
    expect(at['https://example.com/client']).toEqual({ tenant: 'pw-inputs', id: 'trusted-app', name: 'Trusted App', metadata: { plan: 'gold' } });
    expect(at['https://example.com/scope']).toEqual(['read:sample']);
    expect(at['https://example.com/audience']).toBe(API);
    expect(at['https://example.com/context']).toEqual({ ip: expect.stringMatching(/127\.0\.0\.1$/), userAgent: 'hooks-test/1.0' });
    expect(at['https://example.com/foo']).toBe('bar');
    expect(at.scope).toBe('read:sample');
  });

  it('an error from the hook → 403 access_denied with its message', async () => {
    const res = await password('pw-error', { scope: 'read:sample' }).expect(403);
    expect(res.body).toEqual({ error: 'access_denied', error_description: 'Your account is waiting for approval' }); // emulator's status (NOTE(emulator) in src/extensions/run-user-extensions.ts)
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('runs after the rules, and gets the scopes the rules left', async () => {
    const res = await password('pw-after-rules', { scope: 'read:sample' }).expect(200);
    expect(res.body.scope).toBe('read:sample from:first extra');
    const at = await verify('pw-after-rules', res.body.access_token, API);
    expect(at).toMatchObject({ scope: 'read:sample from:first extra', 'https://example.com/steps': ['first'], 'https://foo.com/claim': 'bar' });
  });

  it('does not run on the client-credentials grant', async () => {
    const res = await clientCredentials('pw-seed').expect(200);
    expect(res.body.scope).toBe('test');
    expect(decode(res.body.access_token)).not.toHaveProperty('https://foo.com/claim');
  });
});

/**
 * Classic rules (`function (user, context, callback)`, reference §8) on the password, password-realm and
 * refresh grants. One emulator serves a tenant per scenario (path form, `/<tenant>/oauth/token`), each a copy
 * of the example tenant with its own rules; the rule files under test/fixtures/extensions are written as
 * Auth0 users write them (seed 004's is pasted unchanged).
 */
import { readFileSync, rmSync } from 'node:fs';
import { relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, createEmulator, type AuthEmulatorConfig, type ExtensionLogEntry } from '../src/index.js';
import { API, EXAMPLE_CONFIG, TRUSTED, decode, fixture, rsaPem, startEmulator, tempDir, verifyWithServedJwks, writeTemp, type TestEmulator } from './helpers.js';

type TenantInput = AuthEmulatorConfig['tenants'][number];

const EXAMPLE_TENANT = (parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as AuthEmulatorConfig).tenants[0]!;
const ext = (name: string) => fixture(`extensions/${name}`);
/** One signing key for every tenant: generating one per tenant would dominate the file's run time. */
const KEY_DIR = tempDir();
const SIGNING_KEY = writeTemp(KEY_DIR, 'signing-key.pem', rsaPem());
/** How a file is named in extension log entries: relative to the config's folder (process.cwd() for an object). */
const logName = (name: string) => relative(process.cwd(), ext(name));

/** The example tenant (clients, API, users, client_metadata {plan: gold}) under another name, with rules. */
function tenant(name: string, rules: string[], extra: Partial<TenantInput> = {}): TenantInput {
  return { ...structuredClone(EXAMPLE_TENANT), name, default: false, signing_key: SIGNING_KEY, rules: rules.map(ext), extension_timeout_ms: 2_000, ...extra };
}

const CONFIG: AuthEmulatorConfig = {
  tenants: [
    tenant('seed-004', ['seed-004-rule.js']),
    tenant('module-form', ['rule-module-form.js', 'rule-named-function.js']),
    tenant('ordered', ['rule-order-first.js', 'rule-order-second.js']),
    tenant('context', ['rule-context.js'], { rules_configuration: { API_KEY: 'abc123', GREETING: 'hello' } }),
    tenant('global', ['rule-global-define.js', 'rule-global-use.js']),
    tenant('unauthorized', ['rule-unauthorized.js']),
    tenant('error', ['rule-error.js']),
    tenant('string-error', ['rule-string-error.js']),
    tenant('throws', ['rule-throws.js']),
    tenant('timeout', ['rule-never-calls-back.js'], { extension_timeout_ms: 100 }),
    tenant('redirect', ['rule-redirect.js']),
    tenant('multifactor', ['rule-multifactor.js']),
    tenant('restricted', ['rule-restricted-claims.js']),
    tenant('email-claim', ['rule-email-claim.js']),
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
  t.http.post(`/${name}/oauth/token`).set('User-Agent', 'rules-test/1.0').send({ ...TRUSTED, ...body });
const password = (name: string, body: Record<string, unknown> = {}) =>
  token(name, { grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, ...body });
const realm = (name: string, body: Record<string, unknown> = {}) =>
  password(name, { grant_type: 'http://auth0.com/oauth/grant-type/password-realm', realm: 'employees', ...body });
const verify = (name: string, jwt: string, audience: string) => verifyWithServedJwks(t.http, jwt, { prefix: `/${name}`, issuer: issuer(name), audience });
const logsOf = (name: string, level?: string) => logs.filter((e) => e.tenant === name && (level === undefined || e.level === level));

describe('seed 004: the rule pasted from the docs, unchanged (bare `function (user, context, callback)`)', () => {
  it('adds http://foo/bar to the access token, http://fiz/baz to the ID token, and replaces the scopes', async () => {
    const res = await password('seed-004', { scope: 'openid read:sample' }).expect(200);
    expect(Object.keys(res.body)).toEqual(['access_token', 'id_token', 'scope', 'expires_in', 'token_type']);
    // The issued scopes differ from the requested ones, so the response says which were issued.
    expect(res.body).toMatchObject({ scope: 'array of strings', expires_in: 86400, token_type: 'Bearer' });

    const at = await verify('seed-004', res.body.access_token, API);
    expect(Object.keys(at)).toEqual(['iss', 'sub', 'aud', 'iat', 'exp', 'scope', 'gty', 'azp', 'http://foo/bar']);
    expect(at).toMatchObject({ scope: 'array of strings', 'http://foo/bar': 'value', gty: 'password', azp: 'trusted-app' });

    const id = await verify('seed-004', res.body.id_token, 'trusted-app');
    expect(id['http://fiz/baz']).toBe('some other value');
    expect(id['http://foo/bar']).toBeUndefined();
    expect(id.sub).toBe(at.sub);
  });

  it('sums up what the rule changed in one `explain` entry of the extension log', async () => {
    const before = logsOf('seed-004', 'explain').length;
    await password('seed-004', { scope: 'read:sample' }).expect(200);
    const entries = logsOf('seed-004', 'explain').slice(before);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      tenant: 'seed-004',
      file: '-',
      text: `user@example.com via trusted-app: ${logName('seed-004-rule.js')}: access_token http://foo/bar="value", id_token http://fiz/baz="some other value", scope +array +of +strings -read:sample`,
    });
    expect(entries[0]!.requestId).toBeTypeOf('string');
  });

  it('runs on the password-realm grant too', async () => {
    const res = await realm('seed-004', { scope: 'read:sample' }).expect(200);
    expect(res.body.scope).toBe('array of strings');
    expect(decode(res.body.access_token)).toMatchObject({ scope: 'array of strings', 'http://foo/bar': 'value' });
  });
});

describe('rule file forms and order', () => {
  it('accepts the module form (`module.exports = function …`) and a named function, run in the listed order', async () => {
    const res = await password('module-form', { scope: 'openid profile read:sample' }).expect(200);
    expect(res.body.scope).toBeUndefined(); // scopes untouched: granted = requested
    const at = await verify('module-form', res.body.access_token, API);
    expect(at).toMatchObject({ 'https://example.com/plan': 'gold', 'https://example.com/greeting': 'hello Example User' });
    expect(decode(res.body.id_token)['https://example.com/email']).toBe('user@example.com');
  });

  it('passes each rule what the previous one called back with (user and context)', async () => {
    const res = await password('ordered', { scope: 'read:sample' }).expect(200);
    expect(res.body.scope).toBe('read:sample from:first from:second');
    const at = await verify('ordered', res.body.access_token, API);
    expect(at.scope).toBe('read:sample from:first from:second');
    expect(at['https://example.com/steps']).toEqual(['first', 'second saw blue']);
  });
});

describe('what a rule receives', () => {
  const contextOf = (jwt: string) => decode(jwt)['https://example.com/context'] as Record<string, unknown>;

  it('`context`: the client (with its metadata), the connection, the protocol, the request without secrets, the stats', async () => {
    const first = await password('context', { scope: 'read:sample' }).expect(200);
    const logins = (contextOf(first.body.access_token).stats as { loginsCount: number }).loginsCount;
    const res = await password('context', { scope: 'read:sample' }).expect(200);
    const context = contextOf(res.body.access_token);
    expect(context).toEqual({
      tenant: 'context',
      clientID: 'trusted-app',
      clientName: 'Trusted App',
      clientMetadata: { plan: 'gold' },
      connection: 'Username-Password-Authentication',
      connectionID: expect.stringMatching(/^con_/),
      connectionStrategy: 'auth0',
      connectionOptions: {},
      connectionMetadata: {},
      protocol: 'oauth2-password',
      request: {
        userAgent: 'rules-test/1.0',
        ip: expect.stringMatching(/127\.0\.0\.1$/),
        hostname: '127.0.0.1',
        query: {},
        body: { client_id: 'trusted-app', grant_type: 'password', username: 'user@example.com', audience: API, scope: 'read:sample' },
        geoip: {},
      },
      stats: { loginsCount: logins + 1 },
      sso: { with_auth0: false, with_dbconn: false, current_clients: [] },
      authentication: { methods: [{ name: 'pwd', timestamp: expect.any(Number) }] },
      authorization: { roles: ['orders-reader'] },
    });
    const body = (context.request as { body: Record<string, string> }).body;
    expect(body).not.toHaveProperty('password');
    expect(body).not.toHaveProperty('client_secret');
  });

  it('`user`: the profile, with app_metadata also merged at the root (reference §8.3)', async () => {
    const res = await password('context', { scope: 'read:sample' }).expect(200);
    const at = decode(res.body.access_token);
    const user = at['https://example.com/user'] as Record<string, unknown>;
    expect(user).toMatchObject({
      user_id: at.sub,
      email: 'user@example.com',
      email_verified: false,
      name: 'Example User',
      nickname: 'user',
      some_app_metadata: 'another value',
      app_metadata: { some_app_metadata: 'another value' },
      user_metadata: { some_user_metadata: 'value' },
      identities: [{ connection: 'Username-Password-Authentication', isSocial: false, provider: 'auth0', user_id: String(at.sub).slice('auth0|'.length) }],
    });
    expect(user.logins_count).toBe((contextOf(res.body.access_token).stats as { loginsCount: number }).loginsCount);
  });

  it('`configuration` holds rules_configuration; `global` outlives one call', async () => {
    const a = decode((await password('context', { scope: 'read:sample' }).expect(200)).body.access_token);
    const b = decode((await password('context', { scope: 'read:sample' }).expect(200)).body.access_token);
    expect(a['https://example.com/configuration']).toEqual({ API_KEY: 'abc123', GREETING: 'hello' });
    expect(b['https://example.com/calls']).toBe((a['https://example.com/calls'] as number) + 1);
  });

  // Reference §8.1: "Rules are concatenated into one webtask" and `global` is kept per container, so a helper a
  // first rule puts on `global` is there for the next rule (a common pattern): a tenant's rules share one vm context.
  it('`global` is shared between rules (a helper defined by one rule is usable by the next)', async () => {
    const res = await password('global', { scope: 'read:sample' });
    expect(res.body).not.toHaveProperty('error');
    expect(res.status).toBe(200);
    expect(decode(res.body.access_token)['https://example.com/shout']).toBe('HI!');
  });

  it('context.protocol is oauth2-password on the password and password-realm grants', async () => {
    const pw = contextOf((await password('context', { scope: 'read:sample' }).expect(200)).body.access_token);
    expect(pw).toMatchObject({ protocol: 'oauth2-password', connection: 'Username-Password-Authentication' });

    const res = await realm('context', { scope: 'read:sample' }).expect(200);
    const rc = contextOf(res.body.access_token);
    expect(rc).toMatchObject({ protocol: 'oauth2-password', connection: 'employees', connectionStrategy: 'auth0' });
    expect((rc.request as { body: unknown }).body).toEqual({
      client_id: 'trusted-app',
      grant_type: 'http://auth0.com/oauth/grant-type/password-realm',
      username: 'user@example.com',
      audience: API,
      scope: 'read:sample',
      realm: 'employees',
    });
    const user = decode(res.body.access_token)['https://example.com/user'] as Record<string, unknown>;
    expect(user).toMatchObject({ name: 'Example Employee', email: 'user@example.com' });
    expect(user.some_app_metadata).toBeUndefined();
  });

  it('rules run on the refresh grant too, with protocol oauth2-refresh-token (and logins not counted)', async () => {
    const login = await password('context', { scope: 'offline_access read:sample' }).expect(200);
    const loginContext = contextOf(login.body.access_token);
    const res = await token('context', { grant_type: 'refresh_token', refresh_token: login.body.refresh_token }).expect(200);
    expect(res.body.scope).toBe('offline_access read:sample');
    const at = await verify('context', res.body.access_token, API);
    expect(at.gty).toBe('refresh_token');
    const context = at['https://example.com/context'] as Record<string, unknown>;
    expect(context).toMatchObject({
      protocol: 'oauth2-refresh-token',
      clientID: 'trusted-app',
      connection: 'Username-Password-Authentication',
      stats: loginContext.stats,
    });
    expect((context.request as { body: Record<string, string> }).body).toMatchObject({ grant_type: 'refresh_token' });
    expect((context.request as { body: Record<string, string> }).body).not.toHaveProperty('client_secret');
  });

  it('a rule that changes scopes changes them on refresh as well', async () => {
    const login = await password('seed-004', { scope: 'offline_access read:sample' }).expect(200);
    expect(login.body.scope).toBe('array of strings');
    const res = await token('seed-004', { grant_type: 'refresh_token', refresh_token: login.body.refresh_token }).expect(200);
    expect(res.body.scope).toBe('array of strings');
    expect(decode(res.body.access_token)).toMatchObject({ scope: 'array of strings', 'http://foo/bar': 'value', gty: 'refresh_token' });
  });
});

describe('a rule that fails the login (reference §3, §8.1)', () => {
  it.each([
    ['unauthorized', 'callback(new UnauthorizedError(m))', 401, { error: 'unauthorized', error_description: 'Access to this app is not allowed for you' }],
    ['error', 'callback(new Error(m))', 403, { error: 'access_denied', error_description: 'Only gold plans may use the password grant' }],
    ['string-error', "callback('m')", 403, { error: 'access_denied', error_description: 'the string form of an error' }],
    ['throws', 'a thrown exception', 403, { error: 'access_denied', error_description: "Cannot read properties of undefined (reading 'plan')" }],
    ['timeout', 'a callback never called (over extension_timeout_ms)', 403, { error: 'access_denied', error_description: 'Request to Webtask exceeded allowed execution time' }], // emulator's status (NOTE(emulator) in src/extensions/run-user-extensions.ts)
    ['redirect', 'context.redirect = {url}', 403, { error: 'interaction_required', error_description: 'Redirect rules are not supported in this flow' }], // emulator's status and wording (NOTE(emulator) in src/extensions/run-user-extensions.ts)
  ])('%s: %s → %i', async (name, _how, status, body) => {
    const res = await password(name, { scope: 'openid read:sample' }).expect(status);
    expect(res.body).toEqual(body);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('the same rule errors apply on the password-realm grant', async () => {
    const res = await realm('unauthorized', { username: 'user@example.com' });
    // The employees' user@example.com is another user, with the same email: the rule denies it too.
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthorized', error_description: 'Access to this app is not allowed for you' });
    const other = await realm('unauthorized', { username: 'boss@corp.example', password: 's3cret' }).expect(200);
    expect(decode(other.body.access_token).gty).toBe('password');
  });

  it('context.multifactor = {provider: "any"} → 403 mfa_required with an mfa_token', async () => {
    const res = await password('multifactor', { scope: 'openid read:sample' }).expect(403);
    expect(Object.keys(res.body)).toEqual(['error', 'error_description', 'mfa_token']);
    expect(res.body).toEqual({ error: 'mfa_required', error_description: 'Multifactor authentication required', mfa_token: expect.any(String) }); // emulator's status (NOTE(emulator) in src/extensions/run-user-extensions.ts)
    expect(res.body.mfa_token).not.toBe('');
  });

  it('the emulator keeps serving after a rule timed out (its worker is replaced)', async () => {
    await password('timeout').expect(403);
    const res = await password('seed-004', { scope: 'read:sample' }).expect(200);
    expect(res.body.scope).toBe('array of strings');
  });
});

describe('claims a rule may not set (reference §5.5)', () => {
  it('ignores restricted claims and Auth0 namespaces, keeps the others, and warns in the extension log', async () => {
    const before = logsOf('restricted', 'warn').length;
    const res = await password('restricted', { scope: 'openid profile read:sample' }).expect(200);
    const at = await verify('restricted', res.body.access_token, API);
    expect(Object.keys(at)).toEqual(['iss', 'sub', 'aud', 'iat', 'exp', 'scope', 'gty', 'azp', 'https://example.com/kept', 'plan']);
    expect(at).toMatchObject({ iss: issuer('restricted'), scope: 'openid profile read:sample', 'https://example.com/kept': 'kept', plan: 'gold' });
    expect(at.sub).toMatch(/^auth0\|[0-9a-f]{24}$/);

    const id = await verify('restricted', res.body.id_token, 'trusted-app');
    expect(id.aud).toBe('trusted-app');
    expect(id.scope).toBeUndefined();
    expect(id['https://example.com/kept']).toBe('kept');

    const file = logName('rule-restricted-claims.js');
    const warned = logsOf('restricted', 'warn').slice(before);
    expect(warned.map((e) => e.file)).toEqual(warned.map(() => file));
    expect(warned.map((e) => e.text)).toEqual(
      expect.arrayContaining([
        'access_token claim "iss" ignored: a restricted claim',
        'access_token claim "sub" ignored: a restricted claim',
        'access_token claim "https://x.auth0.com/y" ignored: an Auth0 namespace',
        'access_token claim "urn:auth0:thing" ignored: a reserved namespace',
        'id_token claim "aud" ignored: a restricted claim',
      ]),
    );
  });

  // On the access token `scope` is the scope override; on the ID token it is a restricted claim like `aud`.
  it('warns about `scope` set on the ID token as it does for the other restricted claims', async () => {
    const before = logsOf('restricted', 'warn').length;
    await password('restricted', { scope: 'openid read:sample' }).expect(200);
    expect(logsOf('restricted', 'warn').slice(before).map((e) => e.text)).toContain('id_token claim "scope" ignored: a restricted claim');
  });

  it('drops a standard claim (`email`) set on the ID token when the `email` scope was not granted', async () => {
    // (`openid` alone would expand to `openid profile email address phone`, granting `email`.)
    const without = await password('email-claim', { scope: 'openid profile read:sample' }).expect(200);
    const id = await verify('email-claim', without.body.id_token, 'trusted-app');
    expect(id.email).toBeUndefined();
    expect(id['https://example.com/always']).toBe(true);

    const withEmail = await password('email-claim', { scope: 'openid profile email read:sample' }).expect(200);
    expect(decode(withEmail.body.id_token)).toMatchObject({ email: 'rule@example.com', email_verified: false, 'https://example.com/always': true });
  });

  // Reference §4: the scope filter applies "to the ID token, /userinfo and the access token".
  it('drops a standard claim (`email`) set on the access token when the `email` scope was not granted', async () => {
    const res = await password('email-claim', { scope: 'openid profile read:sample' }).expect(200);
    expect(decode(res.body.access_token)).not.toHaveProperty('email');
  });
});

describe('rule files at config load', () => {
  const refused = async (config: string | AuthEmulatorConfig): Promise<ConfigError> => {
    const err: unknown = await createEmulator({ config, stateDir: false }).then(
      async (e) => {
        await e.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  };
  const minimal = (rules: string[]): AuthEmulatorConfig => ({ tenants: [{ name: 'dev', clients: [{ client_id: 'app', client_secret: 'app-secret' }], rules }] });

  /** The first lines of the message: the summary, then where and what (a code frame may follow each problem). */
  const head = (err: ConfigError) => err.message.split('\n').slice(0, 2).join('\n');

  it('a rule with a syntax error (module form): ConfigError naming the rule file, line:column and the config path', async () => {
    const file = ext('rule-syntax-error.js');
    const err = await refused(minimal([file]));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ path: 'tenants[0].rules[0]', file, line: 2, column: 50, message: "SyntaxError: Unexpected token ';'" });
    expect(head(err)).toBe(`Invalid config <config object> (1 problem):\n  ${file}:2:50  tenants[0].rules[0]: SyntaxError: Unexpected token ';'`);
  });

  it('the same from a YAML file, whose rule paths are relative to its folder', async () => {
    const config = ext('broken-rule.yaml');
    const file = ext('rule-syntax-error.js');
    const err = await refused(config);
    expect(err.file).toBe(config);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ path: 'tenants[0].rules[1]', file, line: 2, column: 50, message: "SyntaxError: Unexpected token ';'" });
    expect(head(err)).toBe(`Invalid config ${config} (1 problem):\n  ${file}:2:50  tenants[0].rules[1]: SyntaxError: Unexpected token ';'`);
  });

  // A pasted rule (bare `function (user, context, callback)`) reports its own error, not the module form's.
  it('a rule with a syntax error (bare function form): the real error and its line:column', async () => {
    const file = ext('rule-syntax-error-bare.js');
    const err = await refused(minimal([file]));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ path: 'tenants[0].rules[0]', file, line: 2, column: 50, message: "SyntaxError: Unexpected token ';'" });
  });

  it('a rule file that does not exist: ConfigError naming tenants[0].rules[0]', async () => {
    const err = await refused(minimal(['test/fixtures/extensions/does-not-exist.js']));
    expect(err.problems).toEqual([{ path: 'tenants[0].rules[0]', message: 'cannot read test/fixtures/extensions/does-not-exist.js (ENOENT)' }]);
    expect(err.message).toBe('Invalid config <config object> (1 problem):\n  <config object>  tenants[0].rules[0]: cannot read test/fixtures/extensions/does-not-exist.js (ENOENT)');
  });

  it('the same from a YAML file (`rules:` given as one path), with the line:column of that entry', async () => {
    const config = ext('missing-rule.yaml');
    const err = await refused(config);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ path: 'tenants[0].rules[0]', message: 'cannot read does-not-exist.js (ENOENT)', line: 7, column: 12 });
    expect(head(err)).toBe(`Invalid config ${config} (1 problem):\n  ${config}:7:12  tenants[0].rules[0]: cannot read does-not-exist.js (ENOENT)`);
  });
});

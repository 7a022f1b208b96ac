/**
 * The user pipeline reads how a login happened from its LoginFlow, and names no flow itself. The token
 * endpoint's flows are covered over HTTP (rules, actions and hooks tests); no endpoint runs an interactive flow
 * yet, so these tests describe one (the browser login's `oidc-basic-profile`) and run the pipeline directly:
 * what rules and Actions are told, and a redirect, which only an interactive flow may follow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigObject } from '../src/config/load.js';
import type { Login } from '../src/extensions/inputs.js';
import { runUserExtensions, type ExtensionEnv } from '../src/extensions/run-user-extensions.js';
import { Sandbox, type ExtensionLogEntry } from '../src/extensions/sandbox.js';
import { PASSWORD_FLOW } from '../src/grants/password-login.js';
import type { LoginFlow } from '../src/model/login-flow.js';
import { buildSnapshot } from '../src/model/snapshot.js';
import type { Tenant } from '../src/model/tenant.js';
import type { Params } from '../src/oauth/params.js';
import { UserState } from '../src/runtime/user-state.js';
import { UserinfoClaims } from '../src/runtime/userinfo-claims.js';
import { tempDir, writeTemp } from './helpers.js';

/** A browser login under a session that authenticated with a password at SESSION_AUTH (epoch seconds). */
const SESSION_AUTH = 1_700_000_000;
const NOW = SESSION_AUTH + 600;
const BROWSER_FLOW: LoginFlow = {
  protocol: 'oidc-basic-profile',
  interactive: true,
  authentication: [{ name: 'pwd', timestamp: SESSION_AUTH }],
  passwordExchange: false,
  countsAsLogin: true,
  gty: 'password',
};

const dir = tempDir();
const file = (name: string, source: string) => writeTemp(dir, name, source);
const RULE_ECHO = file(
  'rule-echo.js',
  `function (user, context, callback) {
    context.accessToken['https://example.com/protocol'] = context.protocol;
    context.accessToken['https://example.com/rule-methods'] = context.authentication.methods;
    callback(null, user, context);
  }`,
);
const RULE_REDIRECT = file('rule-redirect.js', `function (user, context, callback) { context.redirect = { url: 'https://example.com/consent' }; callback(null, user, context); }`);
const RULE_REDIRECT_NO_URL = file('rule-redirect-no-url.js', `function (user, context, callback) { context.redirect = {}; callback(null, user, context); }`);
const HOOK = file('hook.js', `module.exports = function (user, client, scope, audience, context, cb) { cb(null, { 'https://example.com/hook': true }); };`);
const ACTION_ECHO = file(
  'action-echo.js',
  `exports.onExecutePostLogin = async (event, api) => {
    api.accessToken.setCustomClaim('https://example.com/transaction', event.transaction);
    api.accessToken.setCustomClaim('https://example.com/action-methods', event.authentication.methods);
    api.accessToken.setCustomClaim('https://example.com/can-redirect', api.redirect.canRedirect());
  };`,
);
const ACTION_REDIRECT = file('action-redirect.js', `exports.onExecutePostLogin = async (event, api) => { api.accessToken.setCustomClaim('https://example.com/before', 1); api.redirect.sendUserTo('https://example.com/profile'); };`);
const ACTION_AFTER = file('action-after.js', `exports.onExecutePostLogin = async (event, api) => { api.accessToken.setCustomClaim('https://example.com/after', 1); };`);

const tenant = (name: string, extra: object) => ({
  name,
  default_directory: 'Username-Password-Authentication',
  clients: [{ client_id: 'app', name: 'App', token_endpoint_auth_method: 'none', grant_types: ['password'] }],
  connections: [{ name: 'Username-Password-Authentication', users: [{ email: 'user@example.com', password: 'pwd' }] }],
  extension_timeout_ms: 5_000,
  ...extra,
});

const logs: ExtensionLogEntry[] = [];
const sandbox = new Sandbox((entry) => logs.push(entry));
const users = new UserState();
const env: ExtensionEnv = { sandbox, users, userinfoClaims: new UserinfoClaims() };
let tenants: ReadonlyMap<string, Tenant>;

beforeAll(async () => {
  const loaded = await loadConfigObject(
    {
      tenants: [
        tenant('echo', { rules: [RULE_ECHO], hooks: { 'password-exchange': HOOK }, actions: { 'post-login': [ACTION_ECHO] } }),
        tenant('rule-redirect', { rules: [RULE_REDIRECT], actions: { 'post-login': [ACTION_AFTER] } }),
        tenant('rule-redirect-no-url', { rules: [RULE_REDIRECT_NO_URL], actions: { 'post-login': [ACTION_AFTER] } }),
        tenant('action-redirect', { actions: { 'post-login': [ACTION_REDIRECT, ACTION_AFTER] } }),
      ],
    },
    dir,
  );
  tenants = buildSnapshot(loaded, undefined).tenants;
});
afterAll(() => sandbox.close());

function login(tenantName: string, flow: LoginFlow): Login {
  const t = tenants.get(tenantName)!;
  const user = [...t.usersById.values()][0]!;
  const params: Params = Object.assign(Object.create(null) as Record<string, string>, { client_id: 'app', scope: 'openid' });
  return {
    flow,
    tenant: t,
    client: t.clients.get('app')!,
    user,
    connection: t.connections.get(user.connection),
    api: undefined,
    scopes: ['openid'],
    requestedScopes: ['openid'],
    params,
    request: { id: 'req-1', ip: '127.0.0.1', userAgent: 'test', hostname: 'localhost' },
    metadata: users.metadata(user),
    logins: 1,
    now: NOW,
  };
}

describe('a login flow, as extension code sees it', () => {
  it('rules and Actions are told the flow’s protocol and authentication; canRedirect() follows interactive; the password hook runs only where the flow says', async () => {
    const draft = await runUserExtensions(env, login('echo', BROWSER_FLOW));
    expect(draft).toEqual({
      scopes: ['openid'],
      accessToken: {
        'https://example.com/protocol': 'oidc-basic-profile',
        'https://example.com/rule-methods': [{ name: 'pwd', timestamp: SESSION_AUTH * 1000 }],
        'https://example.com/transaction': { id: 'req-1', protocol: 'oidc-basic-profile', requested_scopes: ['openid'], locale: 'en' },
        'https://example.com/action-methods': [{ name: 'pwd', timestamp: '2023-11-14T22:13:20.000Z' }],
        'https://example.com/can-redirect': true,
      },
      idToken: {},
    });

    const exchange = await runUserExtensions(env, login('echo', PASSWORD_FLOW));
    expect(exchange.accessToken).toEqual({
      'https://example.com/protocol': 'oauth2-password',
      'https://example.com/rule-methods': [{ name: 'pwd', timestamp: NOW * 1000 }],
      'https://example.com/hook': true,
      'https://example.com/transaction': { id: 'req-1', protocol: 'oauth2-password', requested_scopes: ['openid'], locale: 'en' },
      'https://example.com/action-methods': [{ name: 'pwd', timestamp: new Date(NOW * 1000).toISOString() }],
      'https://example.com/can-redirect': false,
    });
  });
});

describe('a redirect asked by extension code', () => {
  it('a rule’s context.redirect: in an interactive flow the pipeline stops after the rules and says where; elsewhere interaction_required', async () => {
    expect(await runUserExtensions(env, login('rule-redirect', BROWSER_FLOW))).toEqual({ scopes: ['openid'], accessToken: {}, idToken: {}, redirect: { url: 'https://example.com/consent', from: { after: 'rules' } } });
    await expect(runUserExtensions(env, login('rule-redirect', PASSWORD_FLOW))).rejects.toMatchObject({
      status: 403,
      error: 'interaction_required',
      description: 'Redirect rules are not supported in this flow',
    });
  });

  it('a rule’s context.redirect without a url is ignored, with a warning, and the Actions run', async () => {
    const draft = await runUserExtensions(env, login('rule-redirect-no-url', BROWSER_FLOW));
    expect(draft).toEqual({ scopes: ['openid'], accessToken: { 'https://example.com/after': 1 }, idToken: {} });
    expect(logs).toContainEqual(expect.objectContaining({ tenant: 'rule-redirect-no-url', level: 'warn', text: 'context.redirect ignored: it has no url string' }));
  });

  it('an Action’s api.redirect.sendUserTo: in an interactive flow the Actions after it do not run; elsewhere interaction_required', async () => {
    expect(await runUserExtensions(env, login('action-redirect', BROWSER_FLOW))).toEqual({
      scopes: ['openid'],
      accessToken: { 'https://example.com/before': 1 },
      idToken: {},
      redirect: { url: 'https://example.com/profile', from: { after: 'action', index: 0 } },
    });
    await expect(runUserExtensions(env, login('action-redirect', PASSWORD_FLOW))).rejects.toMatchObject({
      status: 403,
      error: 'interaction_required',
      description: 'Redirect is not possible in this flow',
    });
  });
});

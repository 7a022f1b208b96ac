// openid-client 6 (current): discovery, then the grants a backend runs, as its README shows them.
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';

export const library = 'openid-client 6';
export const packages = ['openid-client'];
export const settings = 'issuer URL, client id and secret; over http `execute: [allowInsecureRequests]`';

export const client = (ctx) => grants(ctx, ctx.issuer, { execute: [oidc.allowInsecureRequests] });

/** The grants at `issuer`; over https (openid-client-6-https.js) without the http opt-in. */
export async function grants({ audience, client: { id, secret }, user }, issuer, options) {
  const config = await oidc.discovery(new URL(issuer), id, secret, undefined, options);
  const machine = await oidc.clientCredentialsGrant(config, { audience });
  assert.equal(machine.token_type.toLowerCase(), 'bearer');
  // The password grant through genericGrantRequest, which also validates the ID token.
  const login = await oidc.genericGrantRequest(config, 'password', { username: user.username, password: user.password, audience, scope: 'openid profile email offline_access' });
  const sub = login.claims().sub;
  assert.ok(login.refresh_token, 'a refresh token (offline_access)');
  const refreshed = await oidc.refreshTokenGrant(config, login.refresh_token);
  assert.equal(refreshed.claims().sub, sub);
  const userinfo = await oidc.fetchUserInfo(config, refreshed.access_token, sub);
  assert.equal(userinfo.email, user.username);
  return ['client credentials', 'password (ID token validated)', 'refresh', 'userinfo'];
}

// oauth4webapi: discovery and the token endpoint's grants with its process*Response checks.
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';

export const library = 'oauth4webapi';
export const packages = ['oauth4webapi'];
export const settings = 'issuer URL, ClientSecretPost(secret); over http `[allowInsecureRequests]: true`';

export const client = (ctx) => grants(ctx, ctx.issuer, { [oauth.allowInsecureRequests]: true });

/** The grants at `issuer`; over https (oauth4webapi-https.js) without the http opt-in. */
export async function grants({ audience, client: { id, secret }, user }, issuer, options) {
  const issuerUrl = new URL(issuer);
  const as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, options));
  const c = { client_id: id };
  const clientAuth = oauth.ClientSecretPost(secret);

  const machine = await oauth.processClientCredentialsResponse(as, c, await oauth.clientCredentialsGrantRequest(as, c, clientAuth, new URLSearchParams({ audience }), options));
  assert.equal(machine.token_type, 'bearer');

  const params = new URLSearchParams({ username: user.username, password: user.password, audience, scope: 'openid profile email offline_access' });
  const login = await oauth.processGenericTokenEndpointResponse(as, c, await oauth.genericTokenEndpointRequest(as, c, clientAuth, 'password', params, options));
  const { sub } = oauth.getValidatedIdTokenClaims(login);
  assert.ok(login.refresh_token, 'a refresh token (offline_access)');

  const refreshed = await oauth.processRefreshTokenResponse(as, c, await oauth.refreshTokenGrantRequest(as, c, clientAuth, login.refresh_token, options));
  assert.equal(oauth.getValidatedIdTokenClaims(refreshed).sub, sub);

  const userinfo = await oauth.processUserInfoResponse(as, c, sub, await oauth.userInfoRequest(as, c, refreshed.access_token, options));
  assert.equal(userinfo.email, user.username);
  return ['client credentials', 'password (ID token validated)', 'refresh', 'userinfo'];
}

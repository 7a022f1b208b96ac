// openid-client 5 (installed as the alias openid-client-5): Issuer.discover and a Client, as its README shows.
import assert from 'node:assert/strict';
import { Issuer } from 'openid-client-5';

export const library = 'openid-client 5';
export const packages = ['openid-client-5'];
export const settings = "issuer URL, client id and secret; token_endpoint_auth_method 'client_secret_post' (its default is basic; Auth0's for a new app is post)";

export async function client({ issuer, audience, client: { id, secret }, user }) {
  const discovered = await Issuer.discover(issuer);
  const oidc = new discovered.Client({ client_id: id, client_secret: secret, token_endpoint_auth_method: 'client_secret_post' });
  const machine = await oidc.grant({ grant_type: 'client_credentials', audience });
  assert.equal(machine.token_type.toLowerCase(), 'bearer');
  // grant() validates the ID token of the response.
  const login = await oidc.grant({ grant_type: 'password', username: user.username, password: user.password, audience, scope: 'openid profile email offline_access' });
  const sub = login.claims().sub;
  assert.ok(login.refresh_token, 'a refresh token (offline_access)');
  const refreshed = await oidc.refresh(login);
  assert.equal(refreshed.claims().sub, sub);
  const userinfo = await oidc.userinfo(refreshed);
  assert.equal(userinfo.sub, sub);
  assert.equal(userinfo.email, user.username);
  return ['client credentials', 'password (ID token validated)', 'refresh', 'userinfo'];
}

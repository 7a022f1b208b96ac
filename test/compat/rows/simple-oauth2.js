// simple-oauth2: the client-credentials and resource-owner-password clients, and a refresh (its README).
import assert from 'node:assert/strict';
import { ClientCredentials, ResourceOwnerPassword } from 'simple-oauth2';

export const library = 'simple-oauth2';
export const packages = ['simple-oauth2'];
export const settings = "tokenHost (the tenant's origin); options.authorizationMethod 'body' for a client_secret_post client (its default is basic)";

export async function client({ issuer, audience, client: { id, secret }, user }) {
  const config = { client: { id, secret }, auth: { tokenHost: issuer, tokenPath: '/oauth/token' }, options: { authorizationMethod: 'body' } };

  const machine = await new ClientCredentials(config).getToken({ audience });
  assert.ok(machine.token.access_token);
  assert.equal(machine.expired(), false);

  const login = await new ResourceOwnerPassword(config).getToken({ username: user.username, password: user.password, audience, scope: 'openid offline_access' });
  assert.ok(login.token.refresh_token, 'a refresh token (offline_access)');
  const refreshed = await login.refresh();
  assert.ok(refreshed.token.access_token);
  assert.notEqual(refreshed.token.access_token, login.token.access_token);
  return ['client credentials', 'password', 'refresh'];
}

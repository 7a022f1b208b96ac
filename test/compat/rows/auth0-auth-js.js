// @auth0/auth0-auth-js's AuthClient (the base of Auth0's newer server SDKs), with a bare domain: over https.
import assert from 'node:assert/strict';
import { AuthClient } from '@auth0/auth0-auth-js';

export const library = '@auth0/auth0-auth-js (AuthClient)';
export const packages = ['@auth0/auth0-auth-js'];
export const settings = 'domain `localhost:<https port>` (`--https`), client id and secret; `NODE_EXTRA_CA_CERTS` = the CA file (`auth-emulator ca`)';
export const needs = 'https';

export async function client({ https: { domain }, audience, client: { id, secret }, user }) {
  const auth = new AuthClient({ domain, clientId: id, clientSecret: secret });
  const machine = await auth.getTokenByClientCredentials({ audience });
  assert.ok(machine.accessToken);
  // The ID token of the response is validated (openid-client underneath) and its claims returned.
  const login = await auth.getTokenByPassword({ username: user.username, password: user.password, audience, scope: 'openid profile email offline_access' });
  const sub = login.claims.sub;
  assert.ok(login.refreshToken, 'a refresh token (offline_access)');
  const refreshed = await auth.getTokenByRefreshToken({ refreshToken: login.refreshToken });
  assert.ok(refreshed.accessToken);
  const profile = await auth.getUserInfo({ accessToken: refreshed.accessToken, expectedSubject: sub });
  assert.equal(profile.email, user.username);
  return ['client credentials', 'password (ID token validated)', 'refresh', 'userinfo'];
}

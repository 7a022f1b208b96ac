// The `auth0` package's current major (installed as the alias auth0-7): its ManagementClient (generated; lists
// are pages). v7 no longer ships the authentication clients in its main entry point: its README sends new code
// to @auth0/auth0-auth-js (its own row) and keeps v4's AuthenticationClient and UserInfoClient in auth0/legacy,
// which is what this row uses for the grants.
import { ManagementClient } from 'auth0-7';
import { AuthenticationClient, UserInfoClient } from 'auth0-7/legacy';
import { authenticationSteps, managementSteps } from '../auth0-steps.js';

export const library = 'auth0 v7 (ManagementClient; auth0/legacy AuthenticationClient, UserInfoClient)';
export const packages = ['auth0-7'];
export const settings = 'domain `localhost:<https port>` (`--https`), client id and secret; `NODE_EXTRA_CA_CERTS` = the CA file (`auth-emulator ca`)';
export const needs = 'https';

export async function client(ctx) {
  const { domain } = ctx.https;
  const { id: clientId, secret: clientSecret } = ctx.client;
  const auth = new AuthenticationClient({ domain, clientId, clientSecret });
  const userInfo = new UserInfoClient({ domain });
  const done = await authenticationSteps(ctx, {
    clientCredentials: async (audience) => (await auth.oauth.clientCredentialsGrant({ audience })).data,
    password: async (params) => (await auth.oauth.passwordGrant(params)).data,
    refresh: async (refresh_token) => (await auth.oauth.refreshTokenGrant({ refresh_token })).data,
    userInfo: async (accessToken) => (await userInfo.getUserInfo(accessToken)).data,
  });

  const management = new ManagementClient({ domain, clientId, clientSecret });
  return done.concat(
    await managementSteps(ctx, {
      listUsers: async (params) => (await management.users.list(params)).data,
      createUser: (body) => management.users.create(body),
      getUser: (id) => management.users.get(id),
      updateUser: (id, body) => management.users.update(id, body),
      deleteUser: (id) => management.users.delete(id),
      listClients: async () => (await management.clients.list()).data,
      createClient: (body) => management.clients.create(body),
      getClient: (id) => management.clients.get(id),
      updateClient: (id, body) => management.clients.update(id, body),
      deleteClient: (id) => management.clients.delete(id),
      listClientGrants: async () => (await management.clientGrants.list()).data,
      createClientGrant: (body) => management.clientGrants.create(body),
      updateClientGrant: (id, body) => management.clientGrants.update(id, body),
      deleteClientGrant: (id) => management.clientGrants.delete(id),
    }),
  );
}

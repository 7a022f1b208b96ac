// The `auth0` package, v4: AuthenticationClient, UserInfoClient and ManagementClient with a bare domain, as its
// README shows them. They build https://<domain> URLs, so this row runs over https with only the CA trusted.
import { AuthenticationClient, ManagementClient, UserInfoClient } from 'auth0';
import { authenticationSteps, managementSteps } from '../auth0-steps.js';

export const library = 'auth0 v4 (AuthenticationClient, UserInfoClient, ManagementClient)';
export const packages = ['auth0'];
export const settings = 'domain `localhost:<https port>` (`--https`), client id and secret; `NODE_EXTRA_CA_CERTS` = the CA file (`auth-emulator ca`)';
export const needs = 'https';

export async function client(ctx) {
  const { domain } = ctx.https;
  const { id: clientId, secret: clientSecret } = ctx.client;
  const auth = new AuthenticationClient({ domain, clientId, clientSecret });
  const userInfo = new UserInfoClient({ domain });
  const done = await authenticationSteps(ctx, {
    clientCredentials: async (audience) => (await auth.oauth.clientCredentialsGrant({ audience })).data,
    // passwordGrant validates the ID token (signature from the JWKS, iss, aud, exp) before it returns.
    password: async (params) => (await auth.oauth.passwordGrant(params)).data,
    refresh: async (refresh_token) => (await auth.oauth.refreshTokenGrant({ refresh_token })).data,
    userInfo: async (accessToken) => (await userInfo.getUserInfo(accessToken)).data,
  });

  const management = new ManagementClient({ domain, clientId, clientSecret });
  return done.concat(
    await managementSteps(ctx, {
      listUsers: async (params) => (await management.users.getAll(params)).data,
      createUser: async (body) => (await management.users.create(body)).data,
      getUser: async (id) => (await management.users.get({ id })).data,
      updateUser: async (id, body) => (await management.users.update({ id }, body)).data,
      deleteUser: async (id) => void (await management.users.delete({ id })),
      listClients: async () => (await management.clients.getAll()).data,
      createClient: async (body) => (await management.clients.create(body)).data,
      getClient: async (client_id) => (await management.clients.get({ client_id })).data,
      updateClient: async (client_id, body) => (await management.clients.update({ client_id }, body)).data,
      deleteClient: async (client_id) => void (await management.clients.delete({ client_id })),
      listClientGrants: async () => (await management.clientGrants.getAll()).data,
      createClientGrant: async (body) => (await management.clientGrants.create(body)).data,
      updateClientGrant: async (id, body) => (await management.clientGrants.update({ id }, body)).data,
      deleteClientGrant: async (id) => void (await management.clientGrants.delete({ id })),
    }),
  );
}

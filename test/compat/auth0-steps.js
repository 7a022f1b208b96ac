/**
 * What the two `auth0` SDK rows (v4 and the current major) run, each through its own API: the grants and
 * userinfo, then the Management API's users, clients and client grants (what the emulator serves of them).
 */
import assert from 'node:assert/strict';
import { OTHER_CLIENT } from './setup.js';

export async function authenticationSteps({ audience, user }, sdk) {
  const machine = await sdk.clientCredentials(audience);
  assert.ok(machine.access_token);
  const login = await sdk.password({ username: user.username, password: user.password, audience, scope: 'openid profile email offline_access' });
  assert.ok(login.id_token && login.refresh_token, 'an ID token and a refresh token');
  const refreshed = await sdk.refresh(login.refresh_token);
  assert.ok(refreshed.access_token);
  const profile = await sdk.userInfo(refreshed.access_token);
  assert.equal(profile.email, user.username);
  return ['client credentials', 'password (ID token validated)', 'refresh', 'userinfo'];
}

export async function managementSteps({ audience }, sdk) {
  const email = `compat-${Date.now()}@example.com`;
  const created = await sdk.createUser({ connection: 'Username-Password-Authentication', email, password: 'Compat-pass-1' });
  assert.equal(created.email, email);
  assert.equal((await sdk.getUser(created.user_id)).email, email);
  const updated = await sdk.updateUser(created.user_id, { user_metadata: { plan: 'gold' } });
  assert.deepEqual(updated.user_metadata, { plan: 'gold' });
  const found = await sdk.listUsers({ q: `email:"${email}"`, search_engine: 'v3' });
  assert.deepEqual(found.map((u) => u.user_id), [created.user_id]);
  await sdk.deleteUser(created.user_id);
  assert.deepEqual(await sdk.listUsers({ q: `email:"${email}"`, search_engine: 'v3' }), []);

  const clients = await sdk.listClients();
  assert.ok(clients.some((c) => c.client_id === OTHER_CLIENT.id), 'the clients list has the config’s clients');
  const client = await sdk.createClient({ name: 'Compat Worker', app_type: 'non_interactive', grant_types: ['client_credentials'] });
  assert.ok(client.client_id && client.client_secret, 'a created client comes with its id and a secret');
  assert.equal((await sdk.getClient(client.client_id)).name, 'Compat Worker');
  const renamed = await sdk.updateClient(client.client_id, { name: 'Compat Worker 2', callbacks: ['https://app.example/callback'] });
  assert.deepEqual([renamed.name, renamed.callbacks], ['Compat Worker 2', ['https://app.example/callback']]);
  await sdk.deleteClient(client.client_id);
  assert.ok(!(await sdk.listClients()).some((c) => c.client_id === client.client_id), 'a deleted client is not listed');

  const grant = await sdk.createClientGrant({ client_id: OTHER_CLIENT.id, audience, scope: ['read:messages'] });
  assert.ok((await sdk.listClientGrants()).some((g) => g.id === grant.id));
  assert.deepEqual((await sdk.updateClientGrant(grant.id, { scope: [] })).scope, []);
  assert.deepEqual((await sdk.listClientGrants()).find((g) => g.id === grant.id)?.scope, []);
  await sdk.deleteClientGrant(grant.id);
  assert.ok(!(await sdk.listClientGrants()).some((g) => g.id === grant.id));
  return ['Management API: users create/get/update/list/delete, clients create/get/update/list/delete, client grants create/list/update/delete'];
}

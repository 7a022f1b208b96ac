/**
 * POST /api/v2/clients, GET/PATCH/DELETE /api/v2/clients/:id: Auth0's shapes and scopes; a created client
 * gets tokens at once and a deleted one no more; clients of the config file can be changed and deleted; the
 * changes survive reload() and are undone by reset().
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixture, startEmulator, type TestEmulator } from './helpers.js';

const ADMIN = { client_id: 'mgmt-admin', client_secret: 'mgmt-admin-secret' };
const READER = { client_id: 'mgmt-reader', client_secret: 'mgmt-reader-secret' };
const KEYS = { client_id: 'm2m-new', client_secret: 'm2m-new-secret' };
const API = 'https://someapi.com/api';

let t: TestEmulator;
let mgmtAudience: string;
let adminToken: string;
let readerToken: string;

async function token(client: { client_id: string; client_secret: string }, audience = mgmtAudience) {
  return t.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience, ...client });
}
async function managementToken(client: { client_id: string; client_secret: string }): Promise<string> {
  const res = await token(client);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { access_token: string }).access_token;
}

const bearer = (value: string) => ({ Authorization: `Bearer ${value}` });
const get = (path: string, as = adminToken) => t.http.get(`/api/v2${path}`).set(bearer(as));
const post = (path: string, body: unknown, as = adminToken) => t.http.post(`/api/v2${path}`).set(bearer(as)).send(body as object);
const patch = (path: string, body: unknown, as = adminToken) => t.http.patch(`/api/v2${path}`).set(bearer(as)).send(body as object);
const del = (path: string, as = adminToken) => t.http.delete(`/api/v2${path}`).set(bearer(as));

const insufficient = (scopes: string) => ({ statusCode: 403, error: 'Forbidden', message: `Insufficient scope, expected any of: ${scopes}`, errorCode: 'insufficient_scope' });
const noClient = { statusCode: 404, error: 'Not Found', message: 'The client does not exist', errorCode: 'inexistent_client' };

/** The settings every client shows that a test does not set. */
const defaults = {
  tenant: 'dev',
  is_first_party: true,
  oidc_conformant: true,
  callbacks: [],
  allowed_logout_urls: [],
  web_origins: [],
  allowed_origins: [],
  client_metadata: {},
  jwt_configuration: { lifetime_in_seconds: 36000, alg: 'RS256', secret_encoded: false },
  refresh_token: { rotation_type: 'non-rotating', expiration_type: 'non-expiring', token_lifetime: 2592000 },
};

beforeAll(async () => {
  t = await startEmulator({ config: fixture('management.yaml') });
  mgmtAudience = `${t.emulator.tenants.dev!.issuer}api/v2/`;
  adminToken = await managementToken(ADMIN);
  readerToken = await managementToken(READER);
});
afterAll(() => t?.close());
beforeEach(() => t.emulator.reset());

describe('/api/v2/clients CRUD', () => {
  it('creates a confidential client with a generated id and secret that gets tokens at once; patch, get, delete; then no more tokens', async () => {
    const created = await post('/clients', { name: 'Worker', app_type: 'non_interactive', grant_types: ['client_credentials'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { client_id, client_secret } = created.body as { client_id: string; client_secret: string };
    expect(client_id).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(client_secret).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(created.body).toEqual({
      ...defaults,
      client_id,
      client_secret,
      name: 'Worker',
      app_type: 'non_interactive',
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials'],
    });

    // A grant for it, then a token with the new secret.
    await post('/client-grants', { client_id, audience: API, scope: ['read:sample'] }).expect(201);
    const first = await token({ client_id, client_secret }, API);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect((await token({ client_id, client_secret: 'wrong' }, API)).status).toBe(401);

    const patched = await patch(`/clients/${client_id}`, {
      name: 'Worker 2',
      callbacks: ['http://localhost:4000/cb'],
      grant_types: ['client_credentials', 'password'],
      client_metadata: { team: 'ops' },
      jwt_configuration: { lifetime_in_seconds: 600 },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const expected = {
      ...defaults,
      client_id,
      name: 'Worker 2',
      app_type: 'non_interactive',
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials', 'password'],
      callbacks: ['http://localhost:4000/cb'],
      client_metadata: { team: 'ops' },
      jwt_configuration: { lifetime_in_seconds: 600, alg: 'RS256', secret_encoded: false },
    };
    expect(patched.body).toEqual(expected);
    expect((await get(`/clients/${client_id}`).expect(200)).body).toEqual(expected);
    // The patch kept the secret.
    expect((await token({ client_id, client_secret }, API)).status).toBe(200);

    const removed = await del(`/clients/${client_id}`);
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    expect((await get(`/clients/${client_id}`)).body).toEqual(noClient);
    const refused = await token({ client_id, client_secret }, API);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: 'access_denied', error_description: 'Unauthorized' });
    // Its client grants went with it.
    const grants = (await t.http.get(`/api/v2/client-grants?client_id=${client_id}`).set(bearer(await managementToken(ADMIN)))).body;
    expect(grants).toEqual([]);
  });

  it('creates a public client (spa) without a secret', async () => {
    const created = await post('/clients', { name: 'SPA', app_type: 'spa', callbacks: ['http://localhost:3000'] }).expect(201);
    expect(created.body).toEqual({
      ...defaults,
      client_id: created.body.client_id,
      name: 'SPA',
      app_type: 'spa',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'implicit', 'refresh_token'],
      callbacks: ['http://localhost:3000'],
    });
  });

  it('changes and deletes a client of the config file; reload() keeps that, reset() undoes it', async () => {
    const patched = await patch('/clients/login-app', { name: 'Renamed', client_metadata: { team: null, tier: 'gold' } }).expect(200);
    expect(patched.body).toMatchObject({ client_id: 'login-app', name: 'Renamed', client_metadata: { tier: 'gold' } });
    expect((await t.emulator.reload()).ok).toBe(true);
    expect((await get('/clients/login-app').expect(200)).body).toMatchObject({ name: 'Renamed', client_metadata: { tier: 'gold' } });

    await del('/clients/m2m-new').expect(204);
    expect((await t.emulator.reload()).ok).toBe(true);
    expect((await get('/clients/m2m-new')).body).toEqual(noClient);
    expect((await token(KEYS, API)).status).toBe(401);

    await t.emulator.reset();
    expect((await get('/clients/login-app').expect(200)).body).toMatchObject({ name: 'Login App', client_metadata: { team: 'web' } });
    await get('/clients/m2m-new').expect(200);
  });

  it('answers 404 inexistent_client for an unknown id', async () => {
    expect((await get('/clients/nope')).body).toEqual(noClient);
    const patched = await patch('/clients/nope', { name: 'x' });
    expect(patched.status).toBe(404);
    expect(patched.body).toEqual(noClient);
    const removed = await del('/clients/nope');
    expect(removed.status).toBe(404);
    expect(removed.body).toEqual(noClient);
  });

  it('answers 400 invalid_body for a bad body', async () => {
    const cases: [unknown, string][] = [
      [{ app_type: 'spa' }, "Payload validation error: 'Missing required property: name'."],
      [{ name: 'x', client_id: 'mine' }, "Payload validation error: 'Additional properties not allowed: client_id'."],
      [{ name: 'x', app_type: 'robot' }, expect.stringMatching(/^Payload validation error: app_type: /)],
      [{ name: 'x', grant_types: 'password' }, expect.stringMatching(/^Payload validation error: grant_types: /)],
      [{ name: 'x', colour: 'red' }, expect.stringMatching(/^Payload validation error: .*colour/)],
      [[], 'Payload validation error: the body must be a JSON object.'],
    ];
    for (const [body, message] of cases) {
      const res = await post('/clients', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body, JSON.stringify(body)).toEqual({ statusCode: 400, error: 'Bad Request', message, errorCode: 'invalid_body' });
    }
    const res = await patch('/clients/login-app', { jwt_configuration: { lifetime_in_seconds: 0 } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', errorCode: 'invalid_body' });
    // Auth0 settings the emulator does not model are accepted.
    await post('/clients', { name: 'x', oidc_conformant: true, logo_uri: 'https://x.example/logo.png' }).expect(201);
  });
});

describe('/api/v2/clients scopes', () => {
  it('refuses each operation without its scope, with Auth0\'s 403 body', async () => {
    expect((await post('/clients', { name: 'x' }, readerToken)).body).toEqual(insufficient('create:clients'));
    expect((await get('/clients/login-app', readerToken)).body).toEqual(insufficient('read:clients,read:client_keys'));
    expect((await patch('/clients/login-app', { name: 'x' }, readerToken)).body).toEqual(insufficient('update:clients,update:client_keys'));
    expect((await del('/clients/login-app', readerToken)).status).toBe(403);
    expect((await del('/clients/login-app', readerToken)).body).toEqual(insufficient('delete:clients'));
    // A new secret takes update:client_keys.
    expect((await patch('/clients/login-app', { client_secret: 'new-secret' })).body).toEqual(insufficient('update:client_keys'));
  });

  it('shows the secret with read:client_keys only, and changes it with update:client_keys', async () => {
    expect((await get('/clients/login-app').expect(200)).body).not.toHaveProperty('client_secret');
    await t.emulator.addClientGrant({ client_id: KEYS.client_id, audience: mgmtAudience, scope: ['read:client_keys', 'update:client_keys'] });
    const keys = await managementToken(KEYS);
    expect((await get('/clients/login-app', keys).expect(200)).body).toMatchObject({ client_id: 'login-app', client_secret: 'login-app-secret' });
    const changed = await patch('/clients/login-app', { client_secret: 'login-app-new-secret' }, keys).expect(200);
    expect(changed.body).toMatchObject({ client_secret: 'login-app-new-secret' });
    expect((await token({ client_id: 'login-app', client_secret: 'login-app-secret' }, API)).status).toBe(401);
    expect((await token({ client_id: 'login-app', client_secret: 'login-app-new-secret' }, API)).status).toBe(200);
    // The list never shows secrets.
    for (const c of (await get('/clients').expect(200)).body as object[]) expect(c).not.toHaveProperty('client_secret');
  });
});

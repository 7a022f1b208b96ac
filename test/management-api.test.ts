/**
 * The Management API v2 subset at /api/v2 (reference §11): a Bearer token from client credentials with the
 * audience `<issuer>api/v2/`, users CRUD and search, users-by-email, clients, client grants, Auth0's error
 * shape `{statusCode, error, message, errorCode}`; runtime changes that survive reload() and are undone by
 * reset(); the lists' paging. Then the official `auth0` SDK's ManagementClient, pointed at the emulator, doing
 * user CRUD and listing clients and client grants.
 */
import { ManagementApiError, ManagementClient } from 'auth0';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixture, startEmulator, type TestEmulator } from './helpers.js';

const CONFIG = fixture('management.yaml');
const ADMIN = { client_id: 'mgmt-admin', client_secret: 'mgmt-admin-secret' };
const READER = { client_id: 'mgmt-reader', client_secret: 'mgmt-reader-secret' };
const METADATA = { client_id: 'mgmt-metadata', client_secret: 'mgmt-metadata-secret' };
const LOGIN = { client_id: 'login-app', client_secret: 'login-app-secret' };
const M2M = { client_id: 'm2m-new', client_secret: 'm2m-new-secret' };
const API = 'https://someapi.com/api';
const UPA = 'Username-Password-Authentication';
const ADMIN_SCOPES = [
  'read:users', 'create:users', 'update:users', 'delete:users', 'update:users_app_metadata',
  'read:clients', 'create:clients', 'update:clients', 'delete:clients', 'read:client_grants', 'create:client_grants', 'update:client_grants',
  'delete:client_grants',
];

let t: TestEmulator;
let issuer: string;
let mgmtAudience: string;
let adminToken: string;
let readerToken: string;
let metadataToken: string;

async function managementToken(client: { client_id: string; client_secret: string }): Promise<string> {
  const res = await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience: mgmtAudience, ...client });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { access_token: string }).access_token;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const get = (path: string, token = adminToken) => t.http.get(`/api/v2${path}`).set(bearer(token));
const post = (path: string, body: unknown, token = adminToken) => t.http.post(`/api/v2${path}`).set(bearer(token)).send(body as object);
const patch = (path: string, body: unknown, token = adminToken) => t.http.patch(`/api/v2${path}`).set(bearer(token)).send(body as object);
const del = (path: string, token = adminToken) => t.http.delete(`/api/v2${path}`).set(bearer(token));
const userPath = (id: string) => `/users/${encodeURIComponent(id)}`;

const login = (username: string, password = 'pwd', extra: Record<string, string> = {}) =>
  t.http.post('/oauth/token').send({ grant_type: 'password', username, password, audience: API, ...LOGIN, ...extra });

type User = { user_id: string; email: string; name: string; app_metadata: Record<string, unknown>; user_metadata: Record<string, unknown>; blocked?: boolean };

async function userId(email: string): Promise<string> {
  const res = await get(`/users-by-email?email=${encodeURIComponent(email)}`).expect(200);
  const users = res.body as User[];
  expect(users).toHaveLength(1);
  return users[0]!.user_id;
}

const emails = (body: unknown) => (body as User[]).map((u) => u.email).sort();
const searchEmails = async (q: string) => emails((await get(`/users?q=${encodeURIComponent(q)}`).expect(200)).body);

beforeAll(async () => {
  t = await startEmulator({ config: CONFIG });
  issuer = t.emulator.tenants.dev!.issuer;
  mgmtAudience = `${issuer}api/v2/`;
  adminToken = await managementToken(ADMIN);
  readerToken = await managementToken(READER);
  metadataToken = await managementToken(METADATA);
});
afterAll(() => t?.close());
// Keys survive reset(), so the tokens above stay good; every test starts from the loaded config.
beforeEach(() => t.emulator.reset());

describe('the Management API token', () => {
  it('comes from client credentials with the audience <issuer>api/v2/, the grant\'s scopes in the response', async () => {
    expect(issuer).toBe(`${t.url}/`);
    const res = await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience: mgmtAudience, ...ADMIN }).expect(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 86400, access_token: expect.any(String) });
    expect((res.body.scope as string).split(' ').sort()).toEqual([...ADMIN_SCOPES].sort());

    const jwks = createLocalJWKSet((await t.http.get('/.well-known/jwks.json').expect(200)).body);
    const { payload } = await jwtVerify(res.body.access_token as string, jwks, { issuer, audience: mgmtAudience, algorithms: ['RS256'] });
    expect(payload).toMatchObject({ sub: 'mgmt-admin@clients', azp: 'mgmt-admin', gty: 'client-credentials' });
  });

  it('carries only the grant\'s scopes for a narrower client', async () => {
    const res = await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience: mgmtAudience, ...READER }).expect(200);
    expect(res.body.scope).toBe('read:users');
  });

  it('is refused to a client without a Management API grant', async () => {
    const res = await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience: mgmtAudience, ...M2M });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'access_denied' });
  });
});

describe('POST /api/v2/users', () => {
  it('creates a user (201, Auth0\'s user shape) who can then log in with the password grant', async () => {
    const res = await post('/users', {
      connection: UPA,
      email: 'New.Person@Example.com',
      password: 'n3w-Passw0rd',
      verify_email: false,
      given_name: 'New',
      family_name: 'Person',
      user_metadata: { color: 'blue' },
      app_metadata: { plan: 'bronze' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const user = res.body as Record<string, unknown>;
    expect(user).toMatchObject({
      user_id: expect.stringMatching(/^auth0\|[0-9a-f]{24}$/),
      email: 'new.person@example.com',
      email_verified: false,
      name: 'new.person@example.com',
      nickname: 'new.person',
      given_name: 'New',
      family_name: 'Person',
      picture: expect.stringMatching(/^https:\/\//),
      identities: [{ connection: UPA, user_id: (user.user_id as string).slice('auth0|'.length), provider: 'auth0', isSocial: false }],
      user_metadata: { color: 'blue' },
      app_metadata: { plan: 'bronze' },
    });
    expect(new Date(user.created_at as string).toISOString()).toBe(user.created_at);
    expect(new Date(user.updated_at as string).toISOString()).toBe(user.updated_at);
    expect(user).not.toHaveProperty('password');
    expect(user).not.toHaveProperty('password_hash');
    expect(user).not.toHaveProperty('verify_email');

    const ok = await login('new.person@example.com', 'n3w-Passw0rd', { scope: 'openid' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const sub = JSON.parse(Buffer.from((ok.body.id_token as string).split('.')[1]!, 'base64url').toString()).sub;
    expect(sub).toBe(user.user_id);
    expect((await login('new.person@example.com', 'wrong')).status).toBe(403);
  });

  it('creates a user in another connection with a given user_id, prefixed with the provider as Auth0 does', async () => {
    const res = await post('/users', { connection: 'employees', email: 'eve@corp.example', password: 'pw', user_id: 'eve-1' }).expect(201);
    expect(res.body).toMatchObject({ user_id: 'auth0|eve-1', identities: [{ connection: 'employees', user_id: 'eve-1', provider: 'auth0', isSocial: false }] });
    await get(userPath('auth0|eve-1')).expect(200);
    // Anything without white space is an id, path-like or not: it is only ever a key, and URL-encoded in paths.
    const odd = await post('/users', { connection: UPA, email: 'odd@example.com', password: 'pw', user_id: '../../etc' }).expect(201);
    expect(odd.body).toMatchObject({ user_id: 'auth0|../../etc', identities: [{ connection: UPA, user_id: '../../etc', provider: 'auth0', isSocial: false }] });
    expect((await get(userPath('auth0|../../etc')).expect(200)).body).toMatchObject({ email: 'odd@example.com' });
    // The id is the tenant's: taken in any connection.
    for (const connection of [UPA, 'employees']) {
      const taken = await post('/users', { connection, email: 'eve2@corp.example', password: 'pw', user_id: 'eve-1' });
      expect(taken.status).toBe(409);
      expect(taken.body).toEqual({ statusCode: 409, error: 'Conflict', message: 'The user already exists.', errorCode: 'auth0_idp_error' });
    }
  });

  it('answers 400 for a user_id with white space, empty or not a string', async () => {
    // The pattern text is Auth0's (seen in its answers); the property description is the emulator's wording.
    const cases: [unknown, string][] = [
      ['custom 123', "'String does not match pattern ^\\S*$'"],
      ['tab\there', "'String does not match pattern ^\\S*$'"],
      ['', "'String is too short (0 chars), minimum 1'"],
      [123, "'Expected type string but found type number'"],
    ];
    for (const [user_id, why] of cases) {
      const res = await post('/users', { connection: UPA, email: 'bad-id@example.com', password: 'pw', user_id });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: `Payload validation error: ${why} on property user_id (The user's unique identifier).`, errorCode: 'invalid_body' });
    }
    expect(t.emulator.getUser('bad-id@example.com')).toBeUndefined();
  });

  it('answers 409 "The user already exists." for an email already in the connection (any case)', async () => {
    const res = await post('/users', { connection: UPA, email: 'JOHN@example.com', password: 'x' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ statusCode: 409, error: 'Conflict', message: 'The user already exists.', errorCode: 'auth0_idp_error' });
    // The same email in another connection is another user.
    await post('/users', { connection: 'employees', email: 'john@example.com', password: 'x' }).expect(201);
  });

  it('answers 400 without a connection, or for an unknown one', async () => {
    const missing = await post('/users', { email: 'x@example.com', password: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining('connection'), errorCode: 'invalid_body' });

    const unknown = await post('/users', { connection: 'nope', email: 'x@example.com', password: 'x' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ statusCode: 400, error: 'Bad Request', errorCode: 'invalid_body' });
  });

  it('answers 400 for an invalid body (not an object, bad email)', async () => {
    const notObject = await t.http.post('/api/v2/users').set(bearer(adminToken)).set('Content-Type', 'application/json').send('[1,2]');
    expect(notObject.status).toBe(400);
    expect(notObject.body).toMatchObject({ statusCode: 400, error: 'Bad Request', errorCode: 'invalid_body' });
    const badEmail = await post('/users', { connection: UPA, email: 'not-an-email', password: 'x' });
    expect(badEmail.status).toBe(400);
    expect(badEmail.body).toMatchObject({ statusCode: 400, errorCode: 'invalid_body' });
  });
});

describe('GET /api/v2/users', () => {
  it('lists every user of the tenant', async () => {
    const res = await get('/users').expect(200);
    expect(emails(res.body)).toEqual(['alice@example.com', 'bob@example.com', 'boss@corp.example', 'joan@example.com', 'john@example.com']);
    for (const u of res.body as Record<string, unknown>[]) {
      expect(u).toMatchObject({ user_id: expect.stringMatching(/^auth0\|/), identities: [expect.objectContaining({ provider: 'auth0' })] });
      expect(u).not.toHaveProperty('password');
    }
  });

  it('searches with q: email quoted and unquoted, prefix wildcards, metadata, AND/OR', async () => {
    expect(await searchEmails('email:"john@example.com"')).toEqual(['john@example.com']);
    expect(await searchEmails('email:john@example.com')).toEqual(['john@example.com']);
    expect(await searchEmails('email:"nobody@example.com"')).toEqual([]);
    expect(await searchEmails('name:jo*')).toEqual(['joan@example.com', 'john@example.com']);
    expect(await searchEmails('app_metadata.plan:"gold"')).toEqual(['alice@example.com', 'john@example.com']);
    expect(await searchEmails('app_metadata.plan:"gold" AND name:jo*')).toEqual(['john@example.com']);
    expect(await searchEmails('app_metadata.plan:"silver" OR email:"bob@example.com"')).toEqual(['bob@example.com', 'joan@example.com']);
    expect(await searchEmails('identities.connection:"employees"')).toEqual(['boss@corp.example']);
  });

  it('pages, with totals on include_totals=true', async () => {
    const all = (await get('/users').expect(200)).body as User[];
    const page1 = await get('/users?per_page=2&page=1&include_totals=true').expect(200);
    expect(page1.body).toMatchObject({ start: 2, limit: 2, length: 2, total: 5 });
    expect((page1.body.users as User[]).map((u) => u.user_id)).toEqual(all.slice(2, 4).map((u) => u.user_id));

    const last = await get('/users?per_page=2&page=2&include_totals=true').expect(200);
    expect(last.body).toMatchObject({ start: 4, limit: 2, length: 1, total: 5 });

    const withQuery = await get(`/users?q=${encodeURIComponent('app_metadata.plan:gold')}&include_totals=true&per_page=1`).expect(200);
    expect(withQuery.body).toMatchObject({ start: 0, limit: 1, length: 1, total: 2 });

    const plain = await get('/users?per_page=2&page=0').expect(200);
    expect(Array.isArray(plain.body)).toBe(true);
    expect(plain.body).toHaveLength(2);
  });

  it('answers 400 invalid_query_string for a page out of range, as the other lists do', async () => {
    expect((await get('/users?per_page=101')).body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: "Query validation error: 'Value 101 is greater than maximum 100' on property per_page (Number of results per page. Defaults to 50).",
      errorCode: 'invalid_query_string',
    });
    expect((await get('/users?page=-1')).status).toBe(400);
  });

  it('answers 400 invalid_query_string for a query it cannot parse', async () => {
    for (const q of ['email:', 'email:"unterminated', 'just words here', 'name:jo AND']) {
      const res = await get(`/users?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(400);
      expect(res.body, q).toMatchObject({ statusCode: 400, error: 'Bad Request', errorCode: 'invalid_query_string' });
    }
  });
});

describe('GET /api/v2/users/{id} and /users-by-email', () => {
  it('returns a user by url-encoded user_id', async () => {
    const id = await userId('john@example.com');
    expect(id).toMatch(/^auth0\|/);
    const res = await get(`/users/${encodeURIComponent(id)}`).expect(200);
    expect(res.body).toMatchObject({ user_id: id, email: 'john@example.com', name: 'John Smith', app_metadata: { plan: 'gold', roles: ['admin'] }, user_metadata: { theme: 'dark', lang: 'en' } });
  });

  it('answers 404 inexistent_user for an unknown id (and for an email in place of an id)', async () => {
    const res = await get(userPath('auth0|000000000000000000000000'));
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'The user does not exist.', errorCode: 'inexistent_user' });
    expect((await get(userPath('john@example.com'))).status).toBe(404);
  });

  it('finds users by email, case-insensitively, across connections', async () => {
    const res = await get('/users-by-email?email=JOHN%40Example.COM').expect(200);
    expect(emails(res.body)).toEqual(['john@example.com']);
    await post('/users', { connection: 'employees', email: 'john@example.com', password: 'x' }).expect(201);
    const both = await get('/users-by-email?email=john%40example.com').expect(200);
    expect((both.body as { identities: { connection: string }[] }[]).map((u) => u.identities[0]!.connection).sort()).toEqual([UPA, 'employees']);
    expect((await get('/users-by-email?email=nobody%40example.com').expect(200)).body).toEqual([]);
  });

  it('answers 400 for users-by-email without an email', async () => {
    const res = await get('/users-by-email');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', errorCode: 'invalid_query_string' });
  });
});

describe('PATCH /api/v2/users/{id}', () => {
  it('merges metadata at the root level (nested objects replaced, null deletes a key) and changes attributes', async () => {
    const id = await userId('john@example.com');
    const res = await patch(userPath(id), {
      name: 'Johnny',
      app_metadata: { roles: ['viewer'], plan: null, tier: { level: 2 } },
      user_metadata: { lang: null },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ user_id: id, name: 'Johnny', email: 'john@example.com' });
    expect(res.body.app_metadata).toEqual({ roles: ['viewer'], tier: { level: 2 } });
    expect(res.body.user_metadata).toEqual({ theme: 'dark' });

    const again = await patch(userPath(id), { app_metadata: { tier: { other: true } } }).expect(200);
    expect(again.body.app_metadata).toEqual({ roles: ['viewer'], tier: { other: true } });
    expect((await get(userPath(id)).expect(200)).body).toMatchObject({ name: 'Johnny', app_metadata: { roles: ['viewer'], tier: { other: true } }, user_metadata: { theme: 'dark' } });
    // Search sees the change.
    expect(await searchEmails('app_metadata.plan:gold')).toEqual(['alice@example.com']);
  });

  it('changes the password: the new one logs in, the old one no longer does', async () => {
    const id = await userId('bob@example.com');
    await patch(userPath(id), { password: 'brand-new' }).expect(200);
    expect((await login('bob@example.com', 'brand-new')).status).toBe(200);
    expect((await login('bob@example.com', 'pwd')).status).toBe(403);
  });

  it('blocked: true makes the password grant answer 401 user is blocked; blocked: false lets them in again', async () => {
    const id = await userId('alice@example.com');
    expect((await login('alice@example.com')).status).toBe(200);
    const res = await patch(userPath(id), { blocked: true }).expect(200);
    expect(res.body.blocked).toBe(true);
    const refused = await login('alice@example.com');
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: 'unauthorized', error_description: 'user is blocked' }); // emulator's status (NOTE(emulator) in src/grants/password-login.ts)
    await patch(userPath(id), { blocked: false }).expect(200);
    expect((await login('alice@example.com')).status).toBe(200);
  });

  it('with only metadata, update:users_app_metadata is enough; other attributes need update:users', async () => {
    const id = await userId('joan@example.com');
    const ok = await patch(userPath(id), { app_metadata: { plan: 'gold' } }, metadataToken);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.app_metadata).toEqual({ plan: 'gold' });
    await patch(userPath(id), { user_metadata: { x: 1 }, app_metadata: { y: 2 } }, metadataToken).expect(200);

    const refused = await patch(userPath(id), { name: 'Other', app_metadata: { plan: 'x' } }, metadataToken);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: update:users', errorCode: 'insufficient_scope' });
    const reader = await patch(userPath(id), { app_metadata: { plan: 'x' } }, readerToken);
    expect(reader.status).toBe(403);
    expect(reader.body).toMatchObject({ errorCode: 'insufficient_scope', message: 'Insufficient scope, expected any of: update:users,update:users_app_metadata' });
  });

  it('answers 404 for an unknown user and 409 for an email another user of the connection has', async () => {
    const missing = await patch(userPath('auth0|000000000000000000000000'), { name: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'The user does not exist.', errorCode: 'inexistent_user' });
    const id = await userId('bob@example.com');
    const clash = await patch(userPath(id), { email: 'john@example.com' });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ statusCode: 409, error: 'Conflict', errorCode: 'auth0_idp_error' });
  });
});

describe('DELETE /api/v2/users/{id}', () => {
  it('answers 204; the user can no longer log in and their refresh token is refused', async () => {
    const before = await login('bob@example.com', 'pwd', { scope: 'openid offline_access' });
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    const refreshToken = before.body.refresh_token as string;
    expect(refreshToken).toEqual(expect.any(String));

    const id = await userId('bob@example.com');
    const res = await del(userPath(id));
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    expect((await get(userPath(id))).status).toBe(404);
    expect((await get('/users-by-email?email=bob%40example.com').expect(200)).body).toEqual([]);
    const refused = await login('bob@example.com');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'invalid_grant' });

    const refreshed = await t.http.post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token: refreshToken, ...LOGIN });
    expect(refreshed.status).toBe(403);
    expect(refreshed.body).toEqual({ error: 'invalid_grant', error_description: "The refresh_token was generated for a user who doesn't exist anymore." });
  });

  it('deletes a user created at runtime; the email can then be used again', async () => {
    const created = await post('/users', { connection: UPA, email: 'temp@example.com', password: 'pw' }).expect(201);
    await del(userPath(created.body.user_id as string)).expect(204);
    expect((await login('temp@example.com', 'pw')).status).toBe(403);
    await post('/users', { connection: UPA, email: 'temp@example.com', password: 'pw2' }).expect(201);
    expect((await login('temp@example.com', 'pw2')).status).toBe(200);
  });

  it('needs delete:users', async () => {
    const id = await userId('bob@example.com');
    const res = await del(userPath(id), readerToken);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: delete:users', errorCode: 'insufficient_scope' });
  });
});

describe('GET /api/v2/clients', () => {
  it('lists the tenant\'s clients without their secrets', async () => {
    const res = await get('/clients').expect(200);
    const clients = res.body as Record<string, unknown>[];
    expect(clients.map((c) => c.client_id).sort()).toEqual(['login-app', 'm2m-new', 'mgmt-admin', 'mgmt-metadata', 'mgmt-reader']);
    expect(clients.find((c) => c.client_id === 'login-app')).toMatchObject({
      name: 'Login App',
      app_type: 'regular_web',
      grant_types: ['password', 'refresh_token', 'client_credentials'],
      client_metadata: { team: 'web' },
    });
    for (const c of clients) expect(c).not.toHaveProperty('client_secret');
    expect(JSON.stringify(res.body)).not.toMatch(/mgmt-admin-secret|login-app-secret|m2m-new-secret/);
  });

  it('needs read:clients', async () => {
    const res = await get('/clients', readerToken);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ errorCode: 'insufficient_scope', message: 'Insufficient scope, expected any of: read:clients' });
  });
});

describe('GET /api/v2/clients paging and filters', () => {
  const ids = (body: unknown) => (body as { client_id: string }[]).map((c) => c.client_id);
  let all: Record<string, unknown>[];
  beforeEach(async () => {
    all = (await get('/clients').expect(200)).body as Record<string, unknown>[];
  });

  it('pages by page and per_page: a bare array, or {clients, start, limit, total} with include_totals=true', async () => {
    expect(ids(all)).toEqual(['mgmt-admin', 'mgmt-reader', 'mgmt-metadata', 'login-app', 'm2m-new']);
    expect((await get('/clients?per_page=2&page=1').expect(200)).body).toEqual(all.slice(2, 4));
    expect((await get('/clients?per_page=2&page=2&include_totals=true').expect(200)).body).toEqual({ clients: all.slice(4), start: 4, limit: 2, total: 5 });
    expect((await get('/clients?include_totals=true').expect(200)).body).toEqual({ clients: all, start: 0, limit: 50, total: 5 });
    expect((await get('/clients?per_page=2&page=9&include_totals=true').expect(200)).body).toEqual({ clients: [], start: 18, limit: 2, total: 5 });
    expect((await get('/clients?include_totals=false&per_page=1').expect(200)).body).toEqual(all.slice(0, 1));
  });

  it('pages by checkpoint with from and take: {clients, next}, in the order of the ids', async () => {
    const first = (await get('/clients?take=2').expect(200)).body as { clients: unknown[]; next: string };
    expect(first).toEqual({ clients: [all[3], all[4]], next: 'mgmt-admin' });
    const second = (await get(`/clients?take=2&from=${first.next}`).expect(200)).body as { clients: unknown[]; next: string };
    expect(second).toEqual({ clients: [all[0], all[2]], next: 'mgmt-reader' });
    expect((await get(`/clients?take=2&from=${second.next}`).expect(200)).body).toEqual({ clients: [all[1]] });
    expect((await get('/clients?from=login-app').expect(200)).body).toEqual({ clients: [all[3], all[4], all[0], all[2], all[1]] });
  });

  it('filters by app_type, client_ids, is_global and is_first_party, and selects fields', async () => {
    expect(ids((await get('/clients?app_type=regular_web').expect(200)).body)).toEqual(['login-app']);
    expect(ids((await get('/clients?app_type=spa,non_interactive&per_page=2').expect(200)).body)).toEqual(['mgmt-admin', 'mgmt-reader']);
    expect(ids((await get('/clients?client_ids=m2m-new,login-app').expect(200)).body)).toEqual(['login-app', 'm2m-new']);
    expect((await get('/clients?is_global=true').expect(200)).body).toEqual([]);
    expect(ids((await get('/clients?is_global=false&is_first_party=true').expect(200)).body)).toHaveLength(5);
    expect((await get('/clients?is_first_party=false').expect(200)).body).toEqual([]);
    expect((await get('/clients?fields=client_id,name&app_type=regular_web').expect(200)).body).toEqual([{ client_id: 'login-app', name: 'Login App' }]);
    expect((await get('/clients?fields=client_id,name&include_fields=true&client_ids=login-app&include_totals=true').expect(200)).body)
      .toEqual({ clients: [{ client_id: 'login-app', name: 'Login App' }], start: 0, limit: 50, total: 1 });
    const { grant_types: _g, jwt_configuration: _j, ...rest } = all[3]!;
    expect((await get('/clients?fields=grant_types,jwt_configuration&include_fields=false&client_ids=login-app').expect(200)).body).toEqual([rest]);
  });

  it('answers 400 invalid_query_string for values out of range or of the wrong type', async () => {
    const cases: [string, string][] = [
      ['per_page=101', "'Value 101 is greater than maximum 100' on property per_page (Number of results per page. Defaults to 50)"],
      ['per_page=0', "'Value 0 is less than minimum 1' on property per_page (Number of results per page. Defaults to 50)"],
      ['page=-1', "'Value -1 is less than minimum 0' on property page (Page index of the results to return. First page is 0)"],
      ['page=two', "'Expected type integer but found type string' on property page (Page index of the results to return. First page is 0)"],
      ['take=500', "'Value 500 is greater than maximum 100' on property take (Number of results per page. Defaults to 50)"],
      ['include_totals=yes', "'Expected type boolean but found type string' on property include_totals (Return results inside an object that contains the total result count (true) or as a direct array of results (false, default))"],
      ['is_global=1', "'Expected type boolean but found type string' on property is_global (Optional filter on the global client parameter)"],
    ];
    for (const [q, why] of cases) {
      const res = await get(`/clients?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body, q).toEqual({ statusCode: 400, error: 'Bad Request', message: `Query validation error: ${why}.`, errorCode: 'invalid_query_string' });
    }
  });
});

describe('/api/v2/client-grants', () => {
  const clientCredentials = (client: typeof M2M) => t.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience: API, ...client });

  it('lists the grants, filtered by audience and client_id', async () => {
    const all = (await get('/client-grants').expect(200)).body as { id: string; client_id: string; audience: string; scope: string[] }[];
    expect(all.map((g) => g.client_id).sort()).toEqual(['login-app', 'mgmt-admin', 'mgmt-metadata', 'mgmt-reader']);
    for (const g of all) expect(g.id).toMatch(/^cgr_/);
    expect(all.find((g) => g.client_id === 'mgmt-reader')).toMatchObject({ audience: 'http://localhost/api/v2/', scope: ['read:users'] });

    const byAudience = (await get(`/client-grants?audience=${encodeURIComponent(API)}`).expect(200)).body as { client_id: string }[];
    expect(byAudience).toEqual([{ id: expect.any(String), client_id: 'login-app', audience: API, scope: ['read:sample'] }]);
    const byClient = (await get('/client-grants?client_id=mgmt-admin').expect(200)).body as { client_id: string }[];
    expect(byClient).toHaveLength(1);
  });

  it('pages by page and per_page (with include_totals: {client_grants, start, limit, total}) and by checkpoint', async () => {
    const all = (await get('/client-grants').expect(200)).body as { id: string }[];
    expect(all).toHaveLength(4);
    expect((await get('/client-grants?per_page=3&page=1').expect(200)).body).toEqual(all.slice(3));
    expect((await get('/client-grants?per_page=3&page=0&include_totals=true').expect(200)).body).toEqual({ client_grants: all.slice(0, 3), start: 0, limit: 3, total: 4 });
    expect((await get('/client-grants?include_totals=true&client_id=login-app').expect(200)).body)
      .toEqual({ client_grants: [{ id: expect.stringMatching(/^cgr_/), client_id: 'login-app', audience: API, scope: ['read:sample'] }], start: 0, limit: 50, total: 1 });

    const byId = [...all].sort((a, b) => (a.id < b.id ? -1 : 1));
    const first = (await get('/client-grants?take=3').expect(200)).body as { next: string };
    expect(first).toEqual({ client_grants: byId.slice(0, 3), next: byId[3]!.id });
    expect((await get(`/client-grants?take=3&from=${first.next}`).expect(200)).body).toEqual({ client_grants: byId.slice(3) });
    // A checkpoint stays good when the grant it names is deleted in between.
    await del(`/client-grants/${first.next}`).expect(204);
    expect((await get(`/client-grants?take=3&from=${first.next}`).expect(200)).body).toEqual({ client_grants: [] });
    expect((await get('/client-grants?from=&take=100&include_totals=true').expect(200)).body).toEqual({ client_grants: byId.slice(0, 3) });

    const tooMany = await get('/client-grants?per_page=1000');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: "Query validation error: 'Value 1000 is greater than maximum 100' on property per_page (Number of results per page. Defaults to 50).",
      errorCode: 'invalid_query_string',
    });
  });

  it('creates a grant (201) after which client credentials work for it; deleting it (204) stops them', async () => {
    const denied = await clientCredentials(M2M);
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: 'access_denied' });

    const created = await post('/client-grants', { client_id: 'm2m-new', audience: API, scope: ['read:sample', 'write:sample'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^cgr_/), client_id: 'm2m-new', audience: API, scope: ['read:sample', 'write:sample'] });

    const ok = await clientCredentials(M2M);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.scope).toBe('read:sample write:sample');
    expect(((await get('/client-grants?client_id=m2m-new').expect(200)).body as unknown[])).toHaveLength(1);

    const again = await post('/client-grants', { client_id: 'm2m-new', audience: API, scope: [] });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ statusCode: 409, error: 'Conflict' });

    await del(`/client-grants/${created.body.id as string}`).expect(204);
    expect((await clientCredentials(M2M)).status).toBe(403);
    expect((await get('/client-grants?client_id=m2m-new').expect(200)).body).toEqual([]);
    const gone = await del(`/client-grants/${created.body.id as string}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ statusCode: 404, error: 'Not Found', errorCode: 'inexistent_client_grant' });
  });

  it('updates a grant\'s scopes (PATCH): client credentials follow; unknown grants, scopes and bodies are refused', async () => {
    const created = (await post('/client-grants', { client_id: 'm2m-new', audience: API, scope: ['read:sample', 'write:sample'] }).expect(201)).body as { id: string };
    const updated = await patch(`/client-grants/${created.id}`, { scope: ['read:sample'] });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body).toEqual({ id: created.id, client_id: 'm2m-new', audience: API, scope: ['read:sample'] });
    expect((await clientCredentials(M2M)).body.scope).toBe('read:sample');
    expect((await get('/client-grants?client_id=m2m-new').expect(200)).body).toEqual([updated.body]);

    expect(await patch(`/client-grants/${created.id}`, { scope: ['read:sample', 'fly'] }).then((r) => [r.status, r.body])).toEqual([
      400,
      { statusCode: 400, error: 'Bad Request', message: `Payload validation error: not scopes of ${API}: fly`, errorCode: 'invalid_body' },
    ]);
    expect(await patch(`/client-grants/${created.id}`, { scope: 'read:sample' }).then((r) => [r.status, r.body])).toEqual([
      400,
      { statusCode: 400, error: 'Bad Request', message: "Payload validation error: 'Expected type array but found type string' on property scope.", errorCode: 'invalid_body' },
    ]);
    expect(await patch('/client-grants/cgr_nope', { scope: [] }).then((r) => [r.status, r.body])).toEqual([
      404,
      { statusCode: 404, error: 'Not Found', message: 'The client grant does not exist.', errorCode: 'inexistent_client_grant' },
    ]);
    expect((await patch(`/client-grants/${created.id}`, { scope: [] }, readerToken)).status).toBe(403);
    await del(`/client-grants/${created.id}`).expect(204);
  });

  it('creates a Management API grant at runtime, for the issuer\'s own audience', async () => {
    await post('/client-grants', { client_id: 'm2m-new', audience: mgmtAudience, scope: ['read:clients'] }).expect(201);
    const token = await managementToken(M2M);
    await get('/clients', token).expect(200);
    expect((await get('/users', token)).status).toBe(403);
  });

  it('refuses grants for unknown clients or APIs, and bodies without client_id/audience', async () => {
    expect((await post('/client-grants', { client_id: 'nope', audience: API, scope: [] })).body).toMatchObject({ statusCode: 404, errorCode: 'inexistent_client' });
    expect((await post('/client-grants', { client_id: 'm2m-new', audience: 'https://nope.example', scope: [] })).body).toMatchObject({ statusCode: 404, errorCode: 'inexistent_resource_server' });
    const missing = await post('/client-grants', { scope: [] });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ statusCode: 400, error: 'Bad Request', errorCode: 'invalid_body' });
  });

  it('needs the client-grant scopes', async () => {
    expect((await get('/client-grants', readerToken)).body).toMatchObject({ statusCode: 403, message: 'Insufficient scope, expected any of: read:client_grants' });
    expect((await post('/client-grants', { client_id: 'm2m-new', audience: API }, readerToken)).body).toMatchObject({ statusCode: 403, message: 'Insufficient scope, expected any of: create:client_grants' });
    expect((await del('/client-grants/cgr_x', readerToken)).body).toMatchObject({ statusCode: 403, message: 'Insufficient scope, expected any of: delete:client_grants' });
  });
});

describe('authorization', () => {
  it('answers 403 insufficient_scope for a token without the scope', async () => {
    const res = await post('/users', { connection: UPA, email: 'x@example.com', password: 'x' }, readerToken);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: create:users', errorCode: 'insufficient_scope' });
    // The reader can read.
    await get('/users', readerToken).expect(200);
  });

  it('answers 401 Missing authentication without a token (or with another scheme)', async () => {
    const res = await t.http.get('/api/v2/users');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', message: 'Missing authentication' });
    const basic = await t.http.get('/api/v2/users').set('Authorization', 'Basic dXNlcjpwYXNz');
    expect(basic.status).toBe(401);
    expect(basic.body).toMatchObject({ statusCode: 401, message: 'Missing authentication' });
    // Authentication comes before the body is looked at.
    const noTokenPost = await t.http.post('/api/v2/users').send({ connection: UPA, email: 'x@example.com', password: 'x' });
    expect(noTokenPost.status).toBe(401);
  });

  it('answers 401 Bad audience for a token of another audience (the regular API), Invalid token for garbage', async () => {
    const cc = await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience: API, ...LOGIN }).expect(200);
    const res = await get('/users', cc.body.access_token as string);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: `Bad audience: ${API}` });

    // A user's access token for the regular API is not a Management API token either.
    const user = await login('john@example.com').expect(200);
    const asUser = await get('/users', user.body.access_token as string);
    expect(asUser.status).toBe(401);
    expect(asUser.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: `Bad audience: ${API}` });

    const garbage = await get('/users', 'not.a.jwt');
    expect(garbage.status).toBe(401);
    expect(garbage.body).toMatchObject({ statusCode: 401, message: 'Invalid token' });

    // A token the tenant did not sign (tampered signature).
    const [h, p] = adminToken.split('.');
    const forged = await get('/users', `${h}.${p}.${Buffer.from('x'.repeat(256)).toString('base64url')}`);
    expect(forged.status).toBe(401);
  });

  it('answers 401 for an expired token (emulator clock)', async () => {
    const token = await managementToken(READER);
    await get('/users', token).expect(200);
    t.emulator.clock.advance(86_400_000 + 60_000);
    try {
      const res = await get('/users', token);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(/expired/i) });
    } finally {
      t.emulator.clock.reset();
    }
    await get('/users', token).expect(200);
  });

  it('answers unknown /api/v2 paths with 404 in the Management error shape', async () => {
    const res = await get('/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found', message: expect.any(String) });
    expect(res.body).not.toHaveProperty('error_description');
    const unauth = await t.http.get('/api/v2/roles');
    expect(unauth.status).toBe(404);
    expect(unauth.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('answers a malformed JSON body in the Management error shape', async () => {
    const res = await t.http.post('/api/v2/users').set(bearer(adminToken)).set('Content-Type', 'application/json').send('{bad');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
  });

  it('answers a non-JSON body in the Management error shape', async () => {
    const res = await t.http.post('/api/v2/users').set(bearer(adminToken)).type('form').send('connection=x&email=x%40example.com');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
  });

  it('authenticates before reading the body: no token and a malformed body is a 401', async () => {
    const res = await t.http.post('/api/v2/users').set('Content-Type', 'application/json').send('{bad');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, message: 'Missing authentication' });
  });

  it('answers a wrong method on a known path with 405 in the Management error shape', async () => {
    const res = await t.http.put('/api/v2/users').set(bearer(adminToken)).send({});
    expect(res.status).toBe(405);
    expect(res.body).toMatchObject({ statusCode: 405, error: 'Method Not Allowed' });
  });
});

describe('runtime changes', () => {
  it('survive emulator.reload() and are undone by emulator.reset()', async () => {
    const created = await post('/users', { connection: UPA, email: 'kept@example.com', password: 'pw' }).expect(201);
    const john = await userId('john@example.com');
    await patch(userPath(john), { app_metadata: { plan: 'platinum' } }).expect(200);
    const bob = await userId('bob@example.com');
    await del(userPath(bob)).expect(204);
    await post('/client-grants', { client_id: 'm2m-new', audience: API, scope: ['read:sample'] }).expect(201);

    const event = await t.emulator.reload();
    expect(event.ok).toBe(true);
    await get(userPath(created.body.user_id as string)).expect(200);
    expect((await get(userPath(john)).expect(200)).body.app_metadata).toEqual({ plan: 'platinum', roles: ['admin'] });
    expect((await get(userPath(bob))).status).toBe(404);
    expect((await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience: API, ...M2M })).status).toBe(200);
    expect((await login('kept@example.com', 'pw')).status).toBe(200);

    await t.emulator.reset();
    expect((await get(userPath(created.body.user_id as string))).status).toBe(404);
    expect((await get(userPath(john)).expect(200)).body.app_metadata).toEqual({ plan: 'gold', roles: ['admin'] });
    await get(userPath(bob)).expect(200);
    expect((await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience: API, ...M2M })).status).toBe(403);
    expect((await login('bob@example.com')).status).toBe(200);
  });
});

describe('the official auth0 SDK (ManagementClient v4)', () => {
  const DOMAIN = 'sdk-tenant.example';

  it('creates, reads, updates and deletes a user, fetching its own token with client credentials', async () => {
    const seen: string[] = [];
    // The SDK talks to https://<domain>/…; send that to the emulator's `sdk` tenant instead.
    const fetchToEmulator: typeof fetch = (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const target = url.replace(`https://${DOMAIN}/`, `${t.url}/sdk/`);
      seen.push(`${init?.method ?? 'GET'} ${new URL(target).pathname}`);
      return fetch(target, init);
    };
    const management = new ManagementClient({ domain: DOMAIN, clientId: 'sdk-admin', clientSecret: 'sdk-admin-secret', fetch: fetchToEmulator });

    const created = await management.users.create({ connection: 'users', email: 'Sdk.User@Example.com', password: 'sdk-pw', app_metadata: { plan: 'free' } });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ email: 'sdk.user@example.com', user_id: expect.stringMatching(/^auth0\|/), app_metadata: { plan: 'free' } });
    const id = created.data.user_id!;

    const read = await management.users.get({ id });
    expect(read.data).toMatchObject({ user_id: id, email: 'sdk.user@example.com', identities: [{ connection: 'users', provider: 'auth0', isSocial: false }] });

    const updated = await management.users.update({ id }, { name: 'SDK User', app_metadata: { plan: 'pro', extra: 1 } });
    expect(updated.data).toMatchObject({ user_id: id, name: 'SDK User', app_metadata: { plan: 'pro', extra: 1 } });

    const found = await management.users.getAll({ q: 'email:"sdk.user@example.com"', search_engine: 'v3' });
    expect(found.data.map((u) => u.user_id)).toEqual([id]);

    const deleted = await management.users.delete({ id });
    expect(deleted.status).toBe(204);

    const error = await management.users.get({ id }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ManagementApiError);
    expect(error).toMatchObject({ statusCode: 404, errorCode: 'inexistent_user', message: 'The user does not exist.' });

    // One token request (audience https://<domain>/api/v2/), then the API calls with it.
    expect(seen.filter((s) => s === 'POST /sdk/oauth/token')).toHaveLength(1);
    expect(seen[0]).toBe('POST /sdk/oauth/token');
    expect(seen).toContain(`PATCH /sdk/api/v2/users/${encodeURIComponent(id)}`);

    // The tenant's users are untouched otherwise.
    const left = await management.users.getAll();
    expect(left.data.map((u) => u.email)).toEqual(['existing@sdk.example']);
  });

  it('lists clients and client grants with include_totals, pages and filters (clients.getAll, clientGrants.getAll)', async () => {
    const fetchToEmulator: typeof fetch = (input, init) => fetch(String(input instanceof Request ? input.url : input).replace(`https://${DOMAIN}/`, `${t.url}/sdk/`), init);
    const management = new ManagementClient({ domain: DOMAIN, clientId: 'sdk-admin', clientSecret: 'sdk-admin-secret', fetch: fetchToEmulator });
    const clients = await management.clients.getAll({ include_totals: true, per_page: 10, page: 0 });
    expect(clients.data).toEqual({
      clients: [{
        tenant: expect.any(String),
        client_id: 'sdk-admin',
        name: 'sdk-admin',
        app_type: 'non_interactive',
        is_first_party: true,
        oidc_conformant: true,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['client_credentials'],
        callbacks: [],
        allowed_logout_urls: [],
        web_origins: [],
        allowed_origins: [],
        client_metadata: {},
        jwt_configuration: { lifetime_in_seconds: 36000, alg: 'RS256', secret_encoded: false },
        refresh_token: { rotation_type: 'non-rotating', expiration_type: 'non-expiring', token_lifetime: 2592000 },
      }],
      start: 0,
      limit: 10,
      total: 1,
    });
    expect((await management.clients.getAll({ fields: 'client_id', app_type: 'non_interactive' })).data).toEqual([{ client_id: 'sdk-admin' }]);

    const grants = await management.clientGrants.getAll({ include_totals: true, client_id: 'sdk-admin' });
    expect(grants.data).toEqual({
      client_grants: [{
        id: expect.stringMatching(/^cgr_/),
        client_id: 'sdk-admin',
        audience: `https://${DOMAIN}/api/v2/`,
        scope: ['read:users', 'create:users', 'update:users', 'delete:users', 'read:clients', 'read:client_grants'],
      }],
      start: 0,
      limit: 50,
      total: 1,
    });
    expect((await management.clientGrants.getAll({ take: 1 })).data).toEqual({ client_grants: [expect.objectContaining({ client_id: 'sdk-admin' })] });
    const error = await management.clientGrants.getAll({ per_page: 101 }).then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(ManagementApiError);
    expect(error).toMatchObject({ statusCode: 400, errorCode: 'invalid_query_string' });
  });

  it('gets the SDK\'s ManagementApiError for a 409', async () => {
    const fetchToEmulator: typeof fetch = (input, init) => fetch(String(input instanceof Request ? input.url : input).replace(`https://${DOMAIN}/`, `${t.url}/sdk/`), init);
    const management = new ManagementClient({ domain: DOMAIN, clientId: 'sdk-admin', clientSecret: 'sdk-admin-secret', fetch: fetchToEmulator });
    const error = await management.users.create({ connection: 'users', email: 'existing@sdk.example', password: 'x' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ManagementApiError);
    expect(error).toMatchObject({ statusCode: 409, error: 'Conflict', errorCode: 'auth0_idp_error', message: 'The user already exists.' });
  });
});

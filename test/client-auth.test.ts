import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, TRUSTED, fixture, form, startEmulator, type TestEmulator } from './helpers.js';

let t: TestEmulator;
let m: TestEmulator;
beforeAll(async () => {
  [t, m] = await Promise.all([startEmulator(), startEmulator({ config: fixture('multi-tenant.yaml') })]);
});
afterAll(() => Promise.all([t.close(), m.close()]));

const UNAUTHORIZED = { error: 'access_denied', error_description: 'Unauthorized' };
const login = { grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API };

describe('client authentication', () => {
  it('client_secret_post: the secret in the body', async () => {
    await t.http.post('/oauth/token').send({ ...login, ...TRUSTED }).expect(200);
  });

  it('client_secret_post: a wrong, missing or Basic-sent secret is 401 Unauthorized', async () => {
    for (const req of [
      t.http.post('/oauth/token').send({ ...login, client_id: 'trusted-app', client_secret: 'wrong' }),
      t.http.post('/oauth/token').send({ ...login, client_id: 'trusted-app' }),
      t.http.post('/oauth/token').auth('trusted-app', 'trusted-app-secret').send(login),
    ]) {
      const res = await req.expect(401);
      expect(res.body).toEqual(UNAUTHORIZED);
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('client_secret_basic: the secret in an HTTP Basic header, form-encoded per RFC 6749', async () => {
    const ok = { grant_type: 'client_credentials', audience: 'https://acme.example/api' };
    await m.http.post('/acme/oauth/token').auth('basic-app', 'basic-secret').type('form').send(form(ok)).expect(200);
    const wrong = await m.http.post('/acme/oauth/token').auth('basic-app', 'nope').send(ok).expect(401);
    expect(wrong.body).toEqual(UNAUTHORIZED);
    const inBody = await m.http.post('/acme/oauth/token').send({ ...ok, client_id: 'basic-app', client_secret: 'basic-secret' }).expect(401);
    expect(inBody.body).toEqual(UNAUTHORIZED);
    const malformed = await m.http.post('/acme/oauth/token').set('Authorization', 'Basic !!!').send(ok).expect(401);
    expect(malformed.body).toEqual(UNAUTHORIZED);
  });

  it('refuses two authentication methods at once', async () => {
    const res = await m.http
      .post('/acme/oauth/token')
      .auth('basic-app', 'basic-secret')
      .send({ grant_type: 'client_credentials', client_secret: 'basic-secret' })
      .expect(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'Only one client authentication method may be used' });
  });

  it('none: a public client sends only client_id', async () => {
    await t.http.post('/oauth/token').send({ ...login, client_id: 'spa' }).expect(200);
  });

  it('an unknown client is 401 Unauthorized; a missing client_id is 400', async () => {
    expect((await t.http.post('/oauth/token').send({ ...login, client_id: 'ghost', client_secret: 'x' }).expect(401)).body).toEqual(UNAUTHORIZED); // emulator's status (NOTE(emulator) in src/oauth/client-auth.ts)
    expect((await t.http.post('/oauth/token').send(login).expect(400)).body).toEqual({
      error: 'invalid_request',
      error_description: 'Missing required parameter: client_id',
    });
  });

  it('a grant the client does not have is 403 unauthorized_client, checked before the secret', async () => {
    const res = await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', client_id: 'spa', client_secret: 'whatever', audience: API }).expect(403);
    expect(res.body).toEqual({
      error: 'unauthorized_client',
      error_description: "Grant type 'client_credentials' not allowed for the client.",
      error_uri: 'https://auth0.com/docs/clients/client-grant-types',
    });
  });
});

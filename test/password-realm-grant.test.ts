import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, TRUSTED, decode, fixture, startEmulator, type TestEmulator } from './helpers.js';

const REALM = 'http://auth0.com/oauth/grant-type/password-realm';
let t: TestEmulator;
let m: TestEmulator;
beforeAll(async () => {
  [t, m] = await Promise.all([startEmulator(), startEmulator({ config: fixture('multi-tenant.yaml') })]);
});
afterAll(() => Promise.all([t.close(), m.close()]));

const realm = (body: Record<string, unknown>) => t.http.post('/oauth/token').send({ grant_type: REALM, ...TRUSTED, audience: API, ...body });

describe('password-realm grant', () => {
  it('logs into the named connection; the same email in another realm is another user', async () => {
    const employee = await realm({ username: 'user@example.com', password: 'pwd', realm: 'employees', scope: 'read:sample' }).expect(200);
    const customer = await realm({ username: 'user@example.com', password: 'pwd', realm: 'Username-Password-Authentication' }).expect(200);
    expect(decode(employee.body.access_token).gty).toBe('password');
    expect(decode(employee.body.access_token).sub).not.toBe(decode(customer.body.access_token).sub);
    await realm({ username: 'boss@corp.example', password: 's3cret', realm: 'employees' }).expect(200);
  });

  it('checks the password against the realm, not the default directory', async () => {
    const res = await realm({ username: 'boss@corp.example', password: 's3cret', realm: 'Username-Password-Authentication' }).expect(403);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'Wrong email or password.' });
  });

  it('requires realm and answers an unknown realm with invalid_request', async () => {
    expect((await realm({ username: 'user@example.com', password: 'pwd' }).expect(400)).body).toEqual({
      error: 'invalid_request',
      error_description: 'Missing required parameter: realm',
    });
    expect((await realm({ username: 'user@example.com', password: 'pwd', realm: 'nope' }).expect(400)).body).toEqual({
      error: 'invalid_request',
      error_description: 'the connection was not found', // emulator's wording (NOTE(emulator) in src/grants/password-realm.ts)
    });
  });

  it('refuses a connection not enabled for the client', async () => {
    const res = await m.http
      .post('/acme/oauth/token')
      .send({ grant_type: REALM, client_id: 'outsider', client_secret: 'outsider-secret', username: 'pat@partner.example', password: 'pw', realm: 'partners' })
      .expect(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'the connection was disabled' }); // emulator's wording (NOTE(emulator) in src/grants/password-login.ts)
  });

  it('checks bcrypt password hashes and logs in by username', async () => {
    const res = await m.http
      .post('/acme/oauth/token')
      .auth('basic-app', 'basic-secret')
      .send({ grant_type: 'password', username: 'ann', password: 'ann-pw', scope: 'openid profile email phone' })
      .expect(200);
    const id = decode(res.body.id_token);
    expect(id).toMatchObject({ given_name: 'Ann', family_name: 'Archer', email: 'ann@acme.example', email_verified: true, phone_number: '+15550100', phone_number_verified: true });
    await m.http.post('/acme/oauth/token').auth('basic-app', 'basic-secret').send({ grant_type: 'password', username: 'ann', password: 'wrong' }).expect(403);
  });

  it('answers a blocked user with 401 unauthorized', async () => {
    const res = await m.http
      .post('/acme/oauth/token')
      .auth('basic-app', 'basic-secret')
      .send({ grant_type: 'password', username: 'blocked@acme.example', password: 'pw' })
      .expect(401);
    expect(res.body).toEqual({ error: 'unauthorized', error_description: 'user is blocked' }); // emulator's status (NOTE(emulator) in src/grants/password-login.ts)
  });

  it('signs HS256 ID tokens with the client secret when the client asks for it', async () => {
    const res = await m.http
      .post('/acme/oauth/token')
      .send({ grant_type: 'password', client_id: 'hs-id-app', client_secret: 'hs-id-app-secret-0123456789', username: 'ann', password: 'ann-pw', scope: 'openid' })
      .expect(200);
    const [header] = res.body.id_token.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    const id = decode(res.body.id_token);
    expect((id.exp as number) - (id.iat as number)).toBe(60);
  });

  it('answers the password grant on a tenant without a Default Directory as Auth0 does', async () => {
    const cfg = {
      tenants: [{ name: 'nodir', clients: [{ client_id: 'c', client_secret: 's', grant_types: ['password' as const] }], connections: [{ name: 'db' }] }],
    };
    const e = await startEmulator({ config: cfg });
    try {
      const res = await e.http.post('/oauth/token').send({ grant_type: 'password', client_id: 'c', client_secret: 's', username: 'a@b.c', password: 'x' }).expect(500);
      expect(res.body).toEqual({ error: 'server_error', error_description: 'Authorization server not configured with default connection.' });
    } finally {
      await e.close();
    }
  });
});

/** Auth0's /userinfo also returns the custom claims rules and Actions put on the ID token (reference §6). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, TRUSTED, startEmulator, tempDir, writeTemp, type TestEmulator } from './helpers.js';

let t: TestEmulator;
beforeAll(async () => {
  const dir = tempDir();
  writeTemp(dir, 'rules.js', "function (user, context, callback) {\n  context.idToken['https://example.com/roles'] = ['admin'];\n  context.accessToken['https://example.com/at-only'] = true;\n  callback(null, user, context);\n}\n");
  writeTemp(dir, 'plain.js', 'function (user, context, callback) { callback(null, user, context); }\n');
  const tenant = (name: string, rules: string) => ({
    name,
    default_directory: 'db',
    rules: [`${dir}/${rules}`],
    apis: [{ identifier: API, scopes: ['read:sample'] }],
    clients: [{ client_id: TRUSTED.client_id, client_secret: TRUSTED.client_secret, grant_types: ['password' as const] }],
    connections: [{ name: 'db', users: [{ email: 'user@example.com', password: 'pwd' }] }],
  });
  t = await startEmulator({ config: { tenants: [tenant('roles', 'rules.js'), tenant('plain', 'plain.js')] } });
});
afterAll(() => t.close());

const login = (tenant: string, body: Record<string, unknown>) =>
  t.http.post(`/${tenant}/oauth/token`).send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', ...TRUSTED, ...body }).expect(200);

describe('/userinfo and custom claims', () => {
  it('returns the ID token’s custom claims for a JWT access token, but not access-token-only claims', async () => {
    const { body } = await login('roles', { audience: API, scope: 'openid email' });
    const res = await t.http.get('/roles/userinfo').set('Authorization', `Bearer ${body.access_token}`).expect(200);
    expect(res.body).toEqual({ sub: expect.stringMatching(/^auth0\|/), email: 'user@example.com', email_verified: false, 'https://example.com/roles': ['admin'] });
  });

  it('returns them for an opaque (no-audience) access token too', async () => {
    const { body } = await login('roles', { scope: 'openid' });
    expect(body.access_token.split('.')).toHaveLength(5);
    const res = await t.http.get('/roles/userinfo').set('Authorization', `Bearer ${body.access_token}`).expect(200);
    expect(res.body['https://example.com/roles']).toEqual(['admin']);
  });

  it('adds nothing when no extension set ID-token claims', async () => {
    const { body } = await login('plain', { audience: API, scope: 'openid email' });
    const res = await t.http.get('/plain/userinfo').set('Authorization', `Bearer ${body.access_token}`).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['email', 'email_verified', 'sub']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, TRUSTED, decode, decodeHeader, form, startEmulator, verifyWithServedJwks, type TestEmulator } from './helpers.js';

let t: TestEmulator;
let issuer: string;
beforeAll(async () => {
  t = await startEmulator();
  issuer = (await t.http.get('/.well-known/openid-configuration')).body.issuer;
});
afterAll(() => t.close());

const password = (body: Record<string, unknown>) =>
  t.http.post('/oauth/token').send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', ...TRUSTED, ...body });

describe('password grant', () => {
  it('replays the seed request: requested API scope only, so no `scope` in the response (seed 003)', async () => {
    const res = await password({ audience: API, scope: 'read:sample' }).expect(200);
    expect(Object.keys(res.body)).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(res.body).toMatchObject({ expires_in: 86400, token_type: 'Bearer' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.headers['content-type']).toMatch(/^application\/json/);

    const claims = await verifyWithServedJwks(t.http, res.body.access_token, { issuer, audience: API });
    expect(Object.keys(claims)).toEqual(['iss', 'sub', 'aud', 'iat', 'exp', 'scope', 'gty', 'azp']);
    expect(claims).toMatchObject({ iss: issuer, aud: API, scope: 'read:sample', gty: 'password', azp: 'trusted-app' });
    expect(claims.sub).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(claims.exp! - claims.iat!).toBe(86400);
    expect(decodeHeader(res.body.access_token)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
  });

  it('grants every API scope when no API scope is requested, and says so in `scope`', async () => {
    const res = await password({ audience: API }).expect(200);
    expect(res.body.scope).toBe('read:sample write:sample');
    expect(decode(res.body.access_token).scope).toBe('read:sample write:sample');
    expect(res.body.id_token).toBeUndefined();
    expect(res.body.refresh_token).toBeUndefined();
  });

  it('expands `openid` alone to the standard OIDC scopes, adds /userinfo to aud and issues an ID token', async () => {
    const res = await password({ audience: API, scope: 'openid' }).expect(200);
    expect(res.body.scope).toBe('openid profile email address phone read:sample write:sample');
    const at = await verifyWithServedJwks(t.http, res.body.access_token, { issuer });
    expect(at.aud).toEqual([API, `${issuer}userinfo`]);

    const id = await verifyWithServedJwks(t.http, res.body.id_token, { issuer, audience: 'trusted-app' });
    expect(Object.keys(id)).toEqual(['nickname', 'name', 'picture', 'updated_at', 'email', 'email_verified', 'iss', 'sub', 'aud', 'iat', 'exp']);
    expect(id).toMatchObject({ nickname: 'user', name: 'Example User', email: 'user@example.com', email_verified: false, sub: at.sub });
    expect(id.picture).toBe(
      'https://s.gravatar.com/avatar/b58996c504c5638798eb6b511e6f49af?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fus.png',
    );
    expect(id.exp! - id.iat!).toBe(36000);
  });

  it('keeps explicitly requested OIDC scopes without expanding them', async () => {
    const res = await password({ audience: API, scope: 'openid email read:sample' }).expect(200);
    expect(res.body.scope).toBeUndefined();
    const id = decode(res.body.id_token);
    expect(Object.keys(id)).toEqual(['email', 'email_verified', 'iss', 'sub', 'aud', 'iat', 'exp']);
  });

  it('drops scopes the API does not define', async () => {
    const res = await password({ audience: API, scope: 'read:sample delete:everything' }).expect(200);
    expect(res.body.scope).toBe('read:sample');
  });

  it('issues a refresh token for offline_access when the API allows it', async () => {
    const res = await password({ audience: API, scope: 'openid offline_access' }).expect(200);
    expect(res.body.refresh_token).toMatch(/^v1\.[A-Za-z0-9_-]{64}$/);
    expect(res.body.scope).toBe('openid profile email address phone offline_access read:sample write:sample');
    expect(Object.keys(res.body)).toEqual(['access_token', 'refresh_token', 'id_token', 'scope', 'expires_in', 'token_type']);
  });

  it('accepts a form-encoded body, as node-auth0 sends it', async () => {
    const res = await t.http
      .post('/oauth/token')
      .type('form')
      .send(form({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, ...TRUSTED }))
      .expect(200);
    expect(decode(res.body.access_token).gty).toBe('password');
  });

  it('logs in case-insensitively by email', async () => {
    await password({ username: 'USER@Example.com', audience: API }).expect(200);
  });

  it('issues an opaque access token (a JWE) without an audience', async () => {
    const res = await password({ scope: 'openid' }).expect(200);
    expect(res.body.access_token.split('.')).toHaveLength(5);
    expect(res.body.expires_in).toBe(86400);
    expect(res.body.scope).toBe('openid profile email address phone');
  });

  it('answers a wrong password and an unknown user with the same 403', async () => {
    const expected = { error: 'invalid_grant', error_description: 'Wrong email or password.' };
    const wrong = await password({ password: 'nope', audience: API }).expect(403);
    expect(wrong.body).toEqual(expected);
    const unknown = await password({ username: 'nobody@example.com', audience: API }).expect(403);
    expect(unknown.body).toEqual(expected);
    expect(unknown.headers['cache-control']).toBe('no-store');
  });

  it('answers 403 Service not found for an unknown audience', async () => {
    const res = await password({ audience: 'https://nope.example/api' }).expect(403);
    expect(res.body).toEqual({ error: 'access_denied', error_description: 'Service not found: https://nope.example/api' });
  });

  it.each(['username', 'password'])('requires %s', async (name) => {
    const res = await password({ [name]: undefined, audience: API }).expect(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: `Missing required parameter: ${name}` });
  });

  it('lets a public client (token_endpoint_auth_method none) log in with only client_id', async () => {
    const res = await t.http
      .post('/oauth/token')
      .send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', client_id: 'spa', audience: API, scope: 'openid' })
      .expect(200);
    expect(decode(res.body.access_token).azp).toBe('spa');
    expect(decode(res.body.id_token).aud).toBe('spa');
  });

  it('gives a user the same stable user_id on every start', async () => {
    const again = await startEmulator();
    try {
      const a = decode((await password({ audience: API })).body.access_token).sub;
      const b = decode((await again.http.post('/oauth/token').send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, ...TRUSTED })).body.access_token).sub;
      expect(a).toBe(b);
    } finally {
      await again.close();
    }
  });
});

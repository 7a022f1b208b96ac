import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, TRUSTED, startEmulator, type TestEmulator } from './helpers.js';

let t: TestEmulator;
beforeAll(async () => {
  t = await startEmulator();
});
afterAll(() => t.close());

async function refreshToken(): Promise<string> {
  const res = await t.http
    .post('/oauth/token')
    .send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, scope: 'offline_access', ...TRUSTED })
    .expect(200);
  return res.body.refresh_token;
}

describe('POST /oauth/revoke', () => {
  it('revokes a refresh token with a 200 and an empty body (JSON, as node-auth0 sends it)', async () => {
    const token = await refreshToken();
    const res = await t.http.post('/oauth/revoke').send({ ...TRUSTED, token }).expect(200);
    expect(res.text).toBe('');
    const after = await t.http.post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token: token, ...TRUSTED }).expect(403);
    expect(after.body).toEqual({ error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' });
  });

  it('answers 200 for an unknown token, and does not revoke another client’s token', async () => {
    await t.http.post('/oauth/revoke').type('form').send({ ...TRUSTED, token: 'v1.unknown' }).expect(200);
    const token = await refreshToken();
    await t.http.post('/oauth/revoke').send({ client_id: 'spa', token }).expect(200);
    await t.http.post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token: token, ...TRUSTED }).expect(200);
  });

  it('answers 400 without a token and 401 invalid_client on bad client credentials', async () => {
    expect((await t.http.post('/oauth/revoke').send({ ...TRUSTED }).expect(400)).body).toEqual({
      error: 'invalid_request',
      error_description: 'Missing required parameter: token',
    });
    expect((await t.http.post('/oauth/revoke').send({ client_id: 'trusted-app', client_secret: 'wrong', token: 'x' }).expect(401)).body).toEqual({
      error: 'invalid_client',
      error_description: 'Client authentication failed',
    });
  });
});

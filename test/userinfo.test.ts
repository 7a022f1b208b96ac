import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, TRUSTED, decode, decodeHeader, fixture, startEmulator, type TestEmulator } from './helpers.js';

let t: TestEmulator;
let m: TestEmulator;
let now = Date.now();
beforeAll(async () => {
  [t, m] = await Promise.all([startEmulator({ clock: () => now }), startEmulator({ config: fixture('multi-tenant.yaml') })]);
});
afterAll(() => Promise.all([t.close(), m.close()]));

async function accessToken(body: Record<string, unknown> = {}): Promise<string> {
  const res = await t.http
    .post('/oauth/token')
    .send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, scope: 'openid', ...TRUSTED, ...body })
    .expect(200);
  return res.body.access_token;
}

function expectUnauthorized(res: { status: number; text: string; headers: Record<string, string> }, header: string) {
  expect(res.status).toBe(401);
  expect(res.text).toBe('Unauthorized');
  expect(res.headers['www-authenticate']).toBe(header);
  expect(res.headers['cache-control']).toBe('no-store');
}
const invalidToken = (d = 'Invalid token') => `Bearer realm="Users", error="invalid_token", error_description="${d}"`;

describe('/userinfo', () => {
  it('returns sub and the claims the scopes release, by GET and POST', async () => {
    const token = await accessToken();
    const expected = {
      sub: decode(token).sub,
      nickname: 'user',
      name: 'Example User',
      picture: 'https://s.gravatar.com/avatar/b58996c504c5638798eb6b511e6f49af?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fus.png',
      updated_at: expect.any(String),
      email: 'user@example.com',
      email_verified: false,
    };
    expect((await t.http.get('/userinfo').set('Authorization', `Bearer ${token}`).expect(200)).body).toEqual(expected);
    expect((await t.http.post('/userinfo').set('Authorization', `Bearer ${token}`).expect(200)).body).toEqual(expected);
  });

  it('releases only what was granted', async () => {
    const token = await accessToken({ scope: 'openid email read:sample' });
    const res = await t.http.get('/userinfo').set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body).toEqual({ sub: decode(token).sub, email: 'user@example.com', email_verified: false });
  });

  it('accepts an opaque (no-audience) access token', async () => {
    const token = await accessToken({ audience: undefined, scope: 'openid email' });
    const res = await t.http.get('/userinfo').set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body).toEqual({ sub: expect.stringMatching(/^auth0\|/), email: 'user@example.com', email_verified: false });
  });

  it('answers a missing token with a bare Bearer challenge, and a malformed header with invalid_request', async () => {
    expectUnauthorized(await t.http.get('/userinfo'), 'Bearer realm="Users"');
    expectUnauthorized(
      await t.http.get('/userinfo').set('Authorization', 'Token abc'),
      'Bearer realm="Users", error="invalid_request", error_description="Malformed Authorization header"',
    );
  });

  it('refuses an expired token', async () => {
    const token = await accessToken();
    now += 86_401_000;
    try {
      expectUnauthorized(await t.http.get('/userinfo').set('Authorization', `Bearer ${token}`), invalidToken('The token has expired'));
    } finally {
      now -= 86_401_000;
    }
  });

  it('refuses alg none, a tampered signature and a wrong kid', async () => {
    const token = await accessToken();
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: decodeHeader(token).kid })).toString('base64url')}.${payload}.`;
    expectUnauthorized(await t.http.get('/userinfo').set('Authorization', `Bearer ${none}`), invalidToken());

    const claims = { ...decode(token), sub: 'auth0|someone-else' };
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    expectUnauthorized(await t.http.get('/userinfo').set('Authorization', `Bearer ${tampered}`), invalidToken());

    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = await new SignJWT(decode(token)).setProtectedHeader({ alg: 'RS256', kid: 'some-other-kid' }).sign(otherKey);
    expectUnauthorized(await t.http.get('/userinfo').set('Authorization', `Bearer ${forged}`), invalidToken());
    const sameKid = await new SignJWT(decode(token)).setProtectedHeader({ alg: 'RS256', kid: decodeHeader(token).kid as string }).sign(otherKey);
    expectUnauthorized(await t.http.get('/userinfo').set('Authorization', `Bearer ${sameKid}`), invalidToken());
  });

  it('refuses a token from another tenant', async () => {
    const res = await m.http
      .post('/acme/oauth/token')
      .auth('basic-app', 'basic-secret')
      .send({ grant_type: 'password', username: 'ann', password: 'ann-pw', scope: 'openid' })
      .expect(200);
    expect((await m.http.get('/acme/userinfo').set('Authorization', `Bearer ${res.body.access_token}`)).status).toBe(200);
    expectUnauthorized(await t.http.get('/userinfo').set('Authorization', `Bearer ${res.body.access_token}`), invalidToken());
  });

  it('refuses a token (JWT or opaque) issued at another URL than the one it is used at', async () => {
    // Same tenant and key, reached as localhost instead of 127.0.0.1: another issuer, as a tenant sharing a
    // key file would be.
    const elsewhere = `localhost:${new URL(t.url).port}`;
    for (const audience of [API, undefined]) {
      const token = await accessToken({ audience });
      expect(token.split('.')).toHaveLength(audience ? 3 : 5);
      expect((await t.http.get('/userinfo').set('Authorization', `Bearer ${token}`)).status).toBe(200);
      expectUnauthorized(await t.http.get('/userinfo').set('Host', elsewhere).set('Authorization', `Bearer ${token}`), invalidToken());
    }
  });

  it('refuses a token without the /userinfo audience (client credentials)', async () => {
    const cc = await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience: API, ...TRUSTED }).expect(200);
    expectUnauthorized(await t.http.get('/userinfo').set('Authorization', `Bearer ${cc.body.access_token}`), invalidToken());
  });
});

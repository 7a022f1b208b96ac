/**
 * grant_type=authorization_code at /oauth/token (browser flows reference §3): the errors a token request meets
 * before its code is looked at, and the exchange of codes put straight into the emulator's store, as /authorize
 * leaves them (the cases a browser login cannot easily produce: another tenant's code, a method left out, the
 * extensions' claims, an API gone). The exchanges of codes from a real login are in authorization-code-flow.test.ts.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, form, startEmulator, verifyWithServedJwks, type TestEmulator } from './helpers.js';
import { CODE_API, CODE_CONFIG, NO_CODE, SPA, SPA_CALLBACK, SPA_ORIGIN, USER, VERIFIER, WEB_BASIC, WEB_CALLBACK, WEB_POST, codeIssuer, s256 } from './code-grant-config.js';

let t: TestEmulator;
let userId: string;
let issue: Awaited<ReturnType<typeof codeIssuer>>;
beforeAll(async () => {
  t = await startEmulator({ config: CODE_CONFIG });
  userId = t.emulator.getUser(USER.email)!.user_id;
  issue = await codeIssuer(t);
});
afterAll(() => t.close());

const now = () => Math.floor(t.emulator.clock.now() / 1000);
const exchange = (code: string, body: Record<string, string> = {}) =>
  t.http.post('/oauth/token').type('form').send(form({ grant_type: 'authorization_code', ...SPA, code, code_verifier: VERIFIER, redirect_uri: SPA_CALLBACK, ...body }));
const errorOf = (res: { status: number; body: unknown }) => ({ status: res.status, body: res.body });
const VERIFIER_FAILED = { error: 'invalid_grant', error_description: 'Failed to verify code verifier' };

const token = (body: Record<string, string>) => t.http.post('/oauth/token').type('form').send(form(body));
const INVALID_CODE = { error: 'invalid_grant', error_description: 'Invalid authorization code' };
const UNAUTHORIZED = { error: 'access_denied', error_description: 'Unauthorized' };

describe('grant_type=authorization_code, before any code', () => {
  it('an unknown code: 403 invalid_grant "Invalid authorization code", for public and confidential clients', async () => {
    const spa = await token({ grant_type: 'authorization_code', ...SPA, code: 'no-such-code', code_verifier: 'x'.repeat(43), redirect_uri: SPA_CALLBACK });
    expect([spa.status, spa.body]).toEqual([403, INVALID_CODE]);
    const web = await token({ grant_type: 'authorization_code', ...WEB_POST, code: 'no-such-code', redirect_uri: WEB_CALLBACK });
    expect([web.status, web.body]).toEqual([403, INVALID_CODE]);
    expect(web.headers['cache-control']).toBe('no-store');
  });

  it('no code: 400 invalid_request', async () => {
    const res = await token({ grant_type: 'authorization_code', ...WEB_POST, redirect_uri: WEB_CALLBACK });
    expect([res.status, res.body]).toEqual([400, { error: 'invalid_request', error_description: 'Missing required parameter: code' }]);
  });

  it('a client without the grant: 403 unauthorized_client, with error_uri', async () => {
    const res = await token({ grant_type: 'authorization_code', ...NO_CODE, code: 'whatever' });
    expect([res.status, res.body]).toEqual([
      403,
      { error: 'unauthorized_client', error_description: "Grant type 'authorization_code' not allowed for the client.", error_uri: 'https://auth0.com/docs/clients/client-grant-types' },
    ]);
  });

  it('a confidential client that sends no secret, a wrong one, or one by the other method: 401 access_denied "Unauthorized" (the code is not looked at)', async () => {
    for (const res of [
      await token({ grant_type: 'authorization_code', client_id: WEB_POST.client_id, code: 'whatever' }),
      await token({ grant_type: 'authorization_code', client_id: WEB_POST.client_id, client_secret: 'wrong', code: 'whatever' }),
      await token({ grant_type: 'authorization_code', ...WEB_BASIC, code: 'whatever' }),
      await t.http.post('/oauth/token').auth(WEB_POST.client_id, WEB_POST.client_secret).type('form').send(form({ grant_type: 'authorization_code', code: 'whatever' })),
    ]) {
      expect([res.status, res.body]).toEqual([401, UNAUTHORIZED]);
    }
  });
});

describe('grant_type=authorization_code, codes as /authorize leaves them', () => {
  it('signs what the login decided: the draft\'s scopes and claims, nonce, sid, auth_time, at_hash; no gty', async () => {
    const authTime = now() - 30;
    const code = await issue({
      authTime,
      scopes: ['openid', 'email', 'offline_access'],
      requestedScopes: ['openid', 'email', 'offline_access', 'read:data'],
      draft: { scopes: ['openid', 'email', 'offline_access', 'read:data'], accessToken: { 'https://example.test/role': 'admin' }, idToken: { 'https://example.test/team': 'blue' } },
    });
    const res = await exchange(code);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ access_token: expect.any(String), refresh_token: expect.stringMatching(/^v1\./), id_token: expect.any(String), scope: 'openid email offline_access read:data', expires_in: 86400, token_type: 'Bearer' });
    const issuer = `${t.url}/`;
    const at = await verifyWithServedJwks(t.http, res.body.access_token, { issuer, audience: CODE_API });
    expect(at).toEqual({ iss: issuer, sub: userId, aud: [CODE_API, `${issuer}userinfo`], iat: expect.any(Number), exp: at.iat! + 86400, scope: 'openid email offline_access read:data', azp: SPA.client_id, 'https://example.test/role': 'admin' });
    const id = await verifyWithServedJwks(t.http, res.body.id_token, { issuer, audience: SPA.client_id });
    const atHash = createHash('sha256').update(res.body.access_token).digest().subarray(0, 16).toString('base64url');
    expect(id).toEqual({
      email: USER.email,
      email_verified: expect.any(Boolean),
      iss: issuer,
      sub: userId,
      aud: SPA.client_id,
      iat: at.iat,
      exp: expect.any(Number),
      auth_time: authTime,
      nonce: 'n-0S6_WzA2Mj',
      sid: 'session-1',
      at_hash: atHash,
      'https://example.test/team': 'blue',
    });
  });

  it("another tenant's or another client's code, a code left without redirect_uri: Invalid authorization code", async () => {
    const INVALID_CODE = { status: 403, body: { error: 'invalid_grant', error_description: 'Invalid authorization code' } };
    expect(errorOf(await exchange(await issue({ tenant: 'other' })))).toEqual(INVALID_CODE);
    expect(errorOf(await exchange(await issue({ clientId: WEB_POST.client_id })))).toEqual(INVALID_CODE);
    // /authorize had no redirect_uri: the exchange's is not checked.
    expect((await exchange(await issue({ redirectUri: undefined }), { redirect_uri: 'http://localhost:3000/anything' })).status).toBe(200);
    // An API removed since the login.
    expect(errorOf(await exchange(await issue({ audience: 'https://gone.example' })))).toEqual(INVALID_CODE);
  });

  it('a challenge without a method is plain (RFC 7636\'s default)', async () => {
    expect(errorOf(await exchange(await issue({ codeChallenge: VERIFIER, codeChallengeMethod: undefined }), { code_verifier: s256(VERIFIER) }))).toEqual({ status: 403, body: VERIFIER_FAILED });
    expect((await exchange(await issue({ codeChallenge: VERIFIER, codeChallengeMethod: undefined }))).status).toBe(200);
  });

  it('a confidential client: no challenge, no verifier; a verifier for a code without a challenge is refused', async () => {
    const web = (code: string, body: Record<string, string> = {}) =>
      t.http.post('/oauth/token').type('form').send(form({ grant_type: 'authorization_code', ...WEB_POST, code, redirect_uri: WEB_CALLBACK, ...body }));
    const code = () => issue({ clientId: WEB_POST.client_id, redirectUri: WEB_CALLBACK, codeChallenge: undefined, codeChallengeMethod: undefined });
    expect((await web(await code())).status).toBe(200);
    expect(errorOf(await web(await code(), { code_verifier: VERIFIER }))).toEqual({ status: 403, body: VERIFIER_FAILED });
  });

  it("a public client's code without a challenge: 401 access_denied Unauthorized", async () => {
    const res = await exchange(await issue({ codeChallenge: undefined, codeChallengeMethod: undefined }), { code_verifier: '' });
    expect(errorOf(res)).toEqual({ status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } });
  });

  it('a refresh token only with offline_access granted and the client\'s refresh_token grant', async () => {
    const noOffline = await exchange(await issue({ scopes: ['openid'], requestedScopes: ['openid'], draft: { scopes: ['openid'], accessToken: {}, idToken: {} } }));
    expect(Object.keys(noOffline.body)).toEqual(['access_token', 'id_token', 'scope', 'expires_in', 'token_type']);
    const basic = await t.http
      .post('/oauth/token')
      .auth(WEB_BASIC.client_id, WEB_BASIC.client_secret)
      .type('form')
      .send(form({ grant_type: 'authorization_code', code: await issue({ clientId: WEB_BASIC.client_id, redirectUri: WEB_CALLBACK, codeChallenge: undefined, codeChallengeMethod: undefined }), redirect_uri: WEB_CALLBACK }));
    expect(basic.status, basic.text).toBe(200);
    expect(basic.body.refresh_token).toBeUndefined();
    // No audience: an opaque token, still with at_hash in the ID token; no ID token without openid.
    const opaque = await exchange(await issue({ audience: undefined }));
    expect(opaque.body.access_token.split('.')).toHaveLength(5);
    expect(decode(opaque.body.id_token).at_hash).toEqual(expect.any(String));
    const noOpenid = await exchange(await issue({ scopes: ['read:data'], requestedScopes: ['read:data'], draft: { scopes: ['read:data'], accessToken: {}, idToken: {} } }));
    expect(noOpenid.body).toEqual({ access_token: expect.any(String), scope: 'read:data', expires_in: 86400, token_type: 'Bearer' });
  });

  it('a code-flow refresh token refreshes with the refresh grant (gty refresh_token), and rotates', async () => {
    const first = await exchange(await issue());
    const refreshed = await t.http.post('/oauth/token').set('Origin', SPA_ORIGIN).send({ grant_type: 'refresh_token', ...SPA, refresh_token: first.body.refresh_token });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(refreshed.body.refresh_token).toMatch(/^v1\./);
    expect(decode(refreshed.body.access_token).gty).toBe('refresh_token');
    const reused = await t.http.post('/oauth/token').send({ grant_type: 'refresh_token', ...SPA, refresh_token: first.body.refresh_token });
    expect(errorOf(reused)).toEqual({ status: 403, body: { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' } });
  });
});

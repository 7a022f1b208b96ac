/**
 * The authorization-code exchange of codes from a real browser login over HTTP (GET /authorize → the login form
 * → /authorize/resume → the callback's `code`), then POST /oauth/token (browser flows reference §3, §5.4, §5.5):
 * PKCE, single use, lifetime, redirect_uri, client authentication, the tokens (verified with jose against the
 * served JWKS) and the refresh tokens they bring.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, startEmulator, type TestEmulator } from './helpers.js';
import { CODE_API, CODE_CONFIG, SPA, SPA_CALLBACK, SPA_ORIGIN, USER, WEB_BASIC, WEB_CALLBACK, WEB_POST } from './code-grant-config.js';

let t: TestEmulator;
let issuer: string;
beforeAll(async () => {
  t = await startEmulator({ config: CODE_CONFIG });
  issuer = `${t.url}/`;
});
afterAll(() => t.close());

const INVALID_CODE = { error: 'invalid_grant', error_description: 'Invalid authorization code' };
const VERIFIER_FAILED = { error: 'invalid_grant', error_description: 'Failed to verify code verifier' };
const UNAUTHORIZED = { error: 'access_denied', error_description: 'Unauthorized' };

const newVerifier = () => randomBytes(32).toString('base64url');
const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
/** OIDC's at_hash: the left half of the SHA-256 of the access token, base64url. */
const halfHash = (value: string) => createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');

interface Login {
  code: string;
  state: string | null;
}

/**
 * Logs USER in through the browser flow with these /authorize parameters and returns what reached the callback.
 * Follows Auth0's URLs (reference §0.4) with a cookie jar, as a browser does.
 */
async function login(params: Record<string, string>, user: { email: string; password: string } = USER): Promise<Login> {
  const browser = supertest.agent(t.url);
  const path = (location: string) => {
    const url = new URL(location, issuer);
    return `${url.pathname}${url.search}`;
  };
  const start = await browser.get('/authorize').query({ response_type: 'code', ...params });
  expect(start.status, start.text).toBe(302);
  const page = new URL(start.headers.location!, issuer);
  expect(page.pathname).toBe('/u/login');
  const posted = await browser.post(page.pathname).type('form').send(form({ state: page.searchParams.get('state')!, username: user.email, password: user.password, action: 'default' }));
  expect(posted.status, posted.text).toBe(302);
  const resumed = await browser.get(path(posted.headers.location!));
  expect(resumed.status, resumed.text).toBe(302);
  const callback = new URL(resumed.headers.location!);
  expect(`${callback.origin}${callback.pathname}`).toBe(params.redirect_uri);
  expect(callback.searchParams.get('error')).toBeNull();
  return { code: callback.searchParams.get('code')!, state: callback.searchParams.get('state') };
}

/** A SPA's login (auth0-spa-js's parameters): PKCE S256, a nonce, openid and offline_access, the API. */
async function spaLogin(extra: Record<string, string> = {}) {
  const verifier = newVerifier();
  const nonce = randomBytes(16).toString('base64url');
  const { code, state } = await login({
    ...SPA,
    redirect_uri: SPA_CALLBACK,
    scope: 'openid profile email offline_access',
    audience: CODE_API,
    state: 'st-1',
    nonce,
    code_challenge: s256(verifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  expect(state).toBe('st-1');
  return { code, verifier, nonce };
}

/** What auth0-spa-js posts: a form, from the SPA's origin, with its Auth0-Client header. */
const spaToken = (body: Record<string, string>, origin = SPA_ORIGIN) =>
  t.http.post('/oauth/token').set('Origin', origin).set('Auth0-Client', 'eyJuYW1lIjoiYXV0aDAtc3BhLWpzIn0=').type('form').send(form({ ...SPA, ...body }));
const spaExchange = (code: string, verifier: string | undefined, extra: Record<string, string> = {}) =>
  spaToken({ grant_type: 'authorization_code', code, redirect_uri: SPA_CALLBACK, ...(verifier === undefined ? {} : { code_verifier: verifier }), ...extra });

async function verify(token: string, audience: string): Promise<JWTPayload> {
  const jwks = createLocalJWKSet((await t.http.get('/.well-known/jwks.json').expect(200)).body);
  return (await jwtVerify(token, jwks, { issuer, audience, algorithms: ['RS256'] })).payload;
}

const errorOf = (res: { status: number; body: unknown }) => ({ status: res.status, body: res.body });

describe('authorization code + PKCE, as auth0-spa-js does it', () => {
  it('S256: tokens verified against the JWKS; the ID token has the nonce, sid, auth_time and at_hash; no gty', async () => {
    const { code, verifier, nonce } = await spaLogin();
    const res = await spaExchange(code, verifier);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.stringMatching(/^v1\./),
      id_token: expect.any(String),
      // The browser login grants what was asked for (oauth/scopes.ts browserLoginScopes): no API scope asked
      // for, none granted; the code exchange always returns `scope`.
      scope: 'openid profile email offline_access',
      expires_in: 86400,
      token_type: 'Bearer',
    });
    expect(Object.keys(res.body)).toEqual(['access_token', 'refresh_token', 'id_token', 'scope', 'expires_in', 'token_type']);
    expect(res.headers['access-control-allow-origin']).toBe(SPA_ORIGIN);
    expect(res.headers['cache-control']).toBe('no-store');

    const at = await verify(res.body.access_token, CODE_API);
    expect(at).toEqual({ iss: issuer, sub: expect.stringMatching(/^auth0\|/), aud: [CODE_API, `${issuer}userinfo`], iat: expect.any(Number), exp: at.iat! + 86400, scope: 'openid profile email offline_access', azp: SPA.client_id });
    expect(at).not.toHaveProperty('gty');

    const id = await verify(res.body.id_token, SPA.client_id);
    expect(id).toMatchObject({ iss: issuer, sub: at.sub, aud: SPA.client_id, nonce, sid: expect.any(String), auth_time: expect.any(Number), at_hash: halfHash(res.body.access_token), email: USER.email, name: 'Ada' });
    expect(id.auth_time).toBeLessThanOrEqual(id.iat!);
    expect(id).not.toHaveProperty('c_hash');
  });

  it('plain: the verifier is the challenge', async () => {
    const verifier = newVerifier();
    const { code } = await spaLogin({ code_challenge: verifier, code_challenge_method: 'plain' });
    expect((await spaExchange(code, s256(verifier))).body).toEqual(VERIFIER_FAILED);
    const again = await spaLogin({ code_challenge: verifier, code_challenge_method: 'plain' });
    expect((await spaExchange(again.code, verifier)).status).toBe(200);
  });

  it('a wrong or missing verifier: 403 "Failed to verify code verifier", and the code is used up', async () => {
    const { code, verifier } = await spaLogin();
    expect(errorOf(await spaExchange(code, newVerifier()))).toEqual({ status: 403, body: VERIFIER_FAILED });
    expect(errorOf(await spaExchange(code, verifier))).toEqual({ status: 403, body: INVALID_CODE });
    const other = await spaLogin();
    expect(errorOf(await spaExchange(other.code, undefined))).toEqual({ status: 403, body: VERIFIER_FAILED });
  });

  it('a code is single use: the second exchange is refused; the first exchange\'s tokens stay good', async () => {
    const { code, verifier } = await spaLogin();
    const first = await spaExchange(code, verifier);
    expect(first.status).toBe(200);
    expect(errorOf(await spaExchange(code, verifier))).toEqual({ status: 403, body: INVALID_CODE });
    // NOTE(emulator) in src/grants/authorization-code.ts: a reuse does not revoke what the first exchange issued.
    expect((await spaToken({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token })).status).toBe(200);
  });

  it('a code lives 10 minutes (the clock frozen and moved through the control plane)', async () => {
    const clock = (body: object) => t.http.post('/__emulator/clock').send(body).expect(200);
    await clock({ freeze: true });
    try {
      const early = await spaLogin();
      const late = await spaLogin();
      await clock({ advance: 599_000 });
      expect((await spaExchange(early.code, early.verifier)).status).toBe(200);
      await clock({ advance: 1_000 });
      expect(errorOf(await spaExchange(late.code, late.verifier))).toEqual({ status: 403, body: INVALID_CODE });
    } finally {
      await clock({ advance: -600_000, unfreeze: true });
    }
  });

  it('redirect_uri must repeat the one given to /authorize, exactly', async () => {
    for (const redirect of [`${SPA_CALLBACK}/`, 'http://localhost:3000/other', undefined]) {
      const { code, verifier } = await spaLogin();
      const res = await spaToken({ grant_type: 'authorization_code', code, code_verifier: verifier, ...(redirect === undefined ? {} : { redirect_uri: redirect }) });
      expect({ redirect, ...errorOf(res) }).toEqual({ redirect, status: 403, body: INVALID_CODE });
    }
  });

  it("the code is its client's only", async () => {
    const { code, verifier } = await spaLogin();
    const res = await t.http.post('/oauth/token').type('form').send(form({ grant_type: 'authorization_code', ...WEB_POST, code, code_verifier: verifier, redirect_uri: SPA_CALLBACK }));
    expect(errorOf(res)).toEqual({ status: 403, body: INVALID_CODE });
  });

  it('a public client whose code was asked for without PKCE: 401 access_denied "Unauthorized"', async () => {
    const { code } = await login({ ...SPA, redirect_uri: SPA_CALLBACK, scope: 'openid' });
    expect(errorOf(await spaExchange(code, undefined))).toEqual({ status: 401, body: UNAUTHORIZED });
  });

  it('refuses a call from an origin that is not the client\'s before taking the code (401, no Access-Control-Allow-Origin)', async () => {
    const { code, verifier } = await spaLogin();
    const refused = await spaExchange(code, verifier).set('Origin', 'http://localhost:3001');
    expect(errorOf(refused)).toEqual({ status: 401, body: UNAUTHORIZED });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect((await spaExchange(code, verifier)).status).toBe(200);
  });
});

describe('authorization code, confidential clients', () => {
  const webLogin = async (client: { client_id: string }, scope = 'openid offline_access') => (await login({ ...client, redirect_uri: WEB_CALLBACK, scope, audience: CODE_API, nonce: 'n-web' })).code;

  it('client_secret_post, and a wrong secret leaves the code usable', async () => {
    const code = await webLogin(WEB_POST);
    const exchange = (secret: string | undefined) => t.http.post('/oauth/token').type('form').send(form({ grant_type: 'authorization_code', client_id: WEB_POST.client_id, ...(secret === undefined ? {} : { client_secret: secret }), code, redirect_uri: WEB_CALLBACK }));
    expect(errorOf(await exchange('wrong'))).toEqual({ status: 401, body: UNAUTHORIZED });
    expect(errorOf(await exchange(undefined))).toEqual({ status: 401, body: UNAUTHORIZED });
    const res = await exchange(WEB_POST.client_secret);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), id_token: expect.any(String), scope: 'openid offline_access', expires_in: 86400, token_type: 'Bearer' });
    const id = await verify(res.body.id_token, WEB_POST.client_id);
    expect(id).toMatchObject({ nonce: 'n-web', at_hash: halfHash(res.body.access_token), sid: expect.any(String), auth_time: expect.any(Number) });
  });

  it('client_secret_basic (express-openid-connect\'s default); no refresh_token grant, no refresh token', async () => {
    const code = await webLogin(WEB_BASIC);
    const res = await t.http.post('/oauth/token').auth(WEB_BASIC.client_id, WEB_BASIC.client_secret).type('form').send(form({ grant_type: 'authorization_code', code, redirect_uri: WEB_CALLBACK }));
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ access_token: expect.any(String), id_token: expect.any(String), scope: 'openid', expires_in: 86400, token_type: 'Bearer' });
  });

  it('PKCE works for a confidential client too; a verifier for a code asked for without a challenge is refused', async () => {
    const verifier = newVerifier();
    const code = (await login({ ...WEB_POST, redirect_uri: WEB_CALLBACK, scope: 'openid', code_challenge: s256(verifier), code_challenge_method: 'S256' })).code;
    const exchange = (c: string, v: string) => t.http.post('/oauth/token').type('form').send(form({ grant_type: 'authorization_code', ...WEB_POST, code: c, redirect_uri: WEB_CALLBACK, code_verifier: v }));
    expect((await exchange(code, verifier)).status).toBe(200);
    expect(errorOf(await exchange(await webLogin(WEB_POST, 'openid'), verifier))).toEqual({ status: 403, body: VERIFIER_FAILED });
  });

  it('no audience: an opaque access token for /userinfo, with at_hash in the ID token', async () => {
    const code = (await login({ ...WEB_POST, redirect_uri: WEB_CALLBACK, scope: 'openid email' })).code;
    const res = await t.http.post('/oauth/token').type('form').send(form({ grant_type: 'authorization_code', ...WEB_POST, code, redirect_uri: WEB_CALLBACK }));
    expect(res.status, res.text).toBe(200);
    expect(res.body.access_token.split('.')).toHaveLength(5);
    const id = await verify(res.body.id_token, WEB_POST.client_id);
    expect(id.at_hash).toBe(halfHash(res.body.access_token));
    const info = await t.http.get('/userinfo').set('Authorization', `Bearer ${res.body.access_token}`).expect(200);
    expect(info.body).toMatchObject({ sub: id.sub, email: USER.email });
  });
});

describe('the user between the login and the exchange', () => {
  it('blocked: 403 invalid_grant "user is blocked"; deleted: the code is gone', async () => {
    const users = async () => (await t.http.get('/__emulator/users').expect(200)).body as { user_id: string; email: string }[];
    const userId = (await users()).find((u) => u.email === USER.email)!.user_id;
    const { code, verifier } = await spaLogin();
    await t.http.post(`/__emulator/users/${encodeURIComponent(userId)}/block`).expect(200);
    try {
      expect(errorOf(await spaExchange(code, verifier))).toEqual({ status: 403, body: { error: 'invalid_grant', error_description: 'user is blocked' } });
    } finally {
      await t.http.post(`/__emulator/users/${encodeURIComponent(userId)}/unblock`).expect(200);
    }
    const grace = { email: 'grace@example.test', password: 'pwd' };
    const graceVerifier = newVerifier();
    const { code: graceCode } = await login({ ...SPA, redirect_uri: SPA_CALLBACK, scope: 'openid', code_challenge: s256(graceVerifier), code_challenge_method: 'S256' }, grace);
    const graceId = (await users()).find((u) => u.email === grace.email)!.user_id;
    await t.http.delete(`/__emulator/users/${encodeURIComponent(graceId)}`).expect(204);
    expect(errorOf(await spaExchange(graceCode, graceVerifier))).toEqual({ status: 403, body: INVALID_CODE });
  });
});

describe('refresh tokens from the code flow', () => {
  it("rotate per the client's setting: the successor works, the used one revokes the family", async () => {
    const { code, verifier } = await spaLogin();
    const first = (await spaExchange(code, verifier).expect(200)).body as { refresh_token: string };
    const refreshed = await spaToken({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(refreshed.body).toEqual({ access_token: expect.any(String), refresh_token: expect.stringMatching(/^v1\./), id_token: expect.any(String), scope: 'openid profile email offline_access', expires_in: 86400, token_type: 'Bearer' });
    expect(refreshed.headers['access-control-allow-origin']).toBe(SPA_ORIGIN);
    expect((await verify(refreshed.body.access_token, CODE_API)).gty).toBe('refresh_token');
    const second = await spaToken({ grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token });
    expect(second.status).toBe(200);
    const reuse = await spaToken({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(errorOf(reuse)).toEqual({ status: 403, body: { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' } });
    expect(errorOf(await spaToken({ grant_type: 'refresh_token', refresh_token: second.body.refresh_token }))).toEqual({ status: 403, body: { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' } });
  });

  it('a refresh from an origin that is not the client\'s is refused and rotates nothing; revocation from the SPA', async () => {
    const { code, verifier } = await spaLogin();
    const rt = (await spaExchange(code, verifier).expect(200)).body.refresh_token as string;
    expect(errorOf(await spaToken({ grant_type: 'refresh_token', refresh_token: rt }, 'http://localhost:3001'))).toEqual({ status: 401, body: UNAUTHORIZED });
    expect((await spaToken({ grant_type: 'refresh_token', refresh_token: rt })).status).toBe(200);
    const fresh = await spaLogin();
    const rt2 = (await spaExchange(fresh.code, fresh.verifier).expect(200)).body.refresh_token as string;
    const revoked = await t.http.post('/oauth/revoke').set('Origin', SPA_ORIGIN).send({ ...SPA, token: rt2 });
    expect([revoked.status, revoked.headers['access-control-allow-origin']]).toEqual([200, SPA_ORIGIN]);
    expect(errorOf(await spaToken({ grant_type: 'refresh_token', refresh_token: rt2 }))).toEqual({ status: 403, body: { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' } });
  });

  it('no offline_access, no refresh token', async () => {
    const { code, verifier } = await spaLogin({ scope: 'openid profile' });
    const res = await spaExchange(code, verifier);
    expect(res.body).toEqual({ access_token: expect.any(String), id_token: expect.any(String), scope: 'openid profile', expires_in: 86400, token_type: 'Bearer' });
  });
});

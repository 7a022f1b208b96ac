/**
 * Each response type in each response mode after a login on the page: what the callback gets, and the
 * front-channel tokens verified with jose against the served JWKS (nonce, c_hash, at_hash, sid, auth_time).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHeader, startEmulator, verifyWithServedJwks, type TestEmulator } from '../helpers.js';
import { API_ID, Browser, callbackParams, config, SPA_ORIGIN, WEB_CALLBACK } from './setup.js';

let t: TestEmulator;
beforeAll(async () => {
  t = await startEmulator({ config: config() });
});
afterAll(() => t.close());

const halfHash = (value: string) => createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');
const issuer = () => `${t.url}/`;

describe('response types and modes', () => {
  it('code (query by default): a code and the state, nothing else', async () => {
    const browser = new Browser(t);
    const res = await browser.login({ client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK, state: 'st', nonce: 'n1', scope: 'openid' });
    expect(res.status).toBe(302);
    const params = callbackParams(res.headers.location as string);
    expect(Object.keys(params)).toEqual(['code', 'state']);
    expect(params.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('code in the fragment, when asked', async () => {
    const res = await new Browser(t).login({ client_id: 'web-app', response_type: 'code', response_mode: 'fragment', redirect_uri: WEB_CALLBACK, state: 'st' });
    expect(res.headers.location).toMatch(/^http:\/\/localhost:3000\/callback#code=[A-Za-z0-9_-]{43}&state=st$/);
  });

  it('id_token (fragment by default): an ID token with the nonce, sid and auth_time, no access token', async () => {
    const browser = new Browser(t);
    const before = Math.floor(Date.now() / 1000);
    const res = await browser.login({ client_id: 'web-app', response_type: 'id_token', redirect_uri: WEB_CALLBACK, state: 'st', nonce: 'nonce-1', scope: 'openid profile email' });
    const location = res.headers.location as string;
    expect(location.startsWith(`${WEB_CALLBACK}#id_token=`)).toBe(true);
    const params = callbackParams(location, 'fragment');
    expect(Object.keys(params)).toEqual(['id_token', 'state']);
    expect(decodeHeader(params.id_token!).alg).toBe('RS256');
    const claims = await verifyWithServedJwks(t.http, params.id_token!, { issuer: issuer(), audience: 'web-app' });
    expect(claims).toMatchObject({ nonce: 'nonce-1', sid: browser.cookies.get('auth0'), email: 'user@example.com', name: 'Example User' });
    expect(claims.auth_time).toBeGreaterThanOrEqual(before);
    expect(claims.at_hash).toBeUndefined();
    expect(claims.c_hash).toBeUndefined();
  });

  it('id_token token: both, at_hash of the access token, the access token for the API', async () => {
    const res = await new Browser(t).login({ client_id: 'web-app', response_type: 'id_token token', redirect_uri: WEB_CALLBACK, nonce: 'n2', audience: API_ID, scope: 'openid read:things' });
    const params = callbackParams(res.headers.location as string, 'fragment');
    // `scope` is sent only when the scopes granted differ from those asked for (the browser login grants what was asked).
    expect(Object.keys(params)).toEqual(['access_token', 'expires_in', 'token_type', 'id_token']);
    expect(params).toMatchObject({ token_type: 'Bearer', expires_in: '86400' });
    const idToken = await verifyWithServedJwks(t.http, params.id_token!, { issuer: issuer(), audience: 'web-app' });
    expect(idToken.at_hash).toBe(halfHash(params.access_token!));
    expect(idToken.nonce).toBe('n2');
    const at = await verifyWithServedJwks(t.http, params.access_token!, { issuer: issuer(), audience: API_ID });
    expect(at).toMatchObject({ scope: 'openid read:things', azp: 'web-app', sub: idToken.sub });
    expect(at.gty).toBeUndefined();
  });

  it('token alone: an access token, no ID token', async () => {
    const res = await new Browser(t).login({ client_id: 'web-app', response_type: 'token', redirect_uri: WEB_CALLBACK, audience: API_ID, scope: 'read:things', state: 's' });
    const params = callbackParams(res.headers.location as string, 'fragment');
    expect(Object.keys(params)).toEqual(['access_token', 'expires_in', 'token_type', 'state']);
  });

  it('code id_token (hybrid, fragment): c_hash of the code, nonce', async () => {
    const res = await new Browser(t).login({ client_id: 'web-app', response_type: 'code id_token', redirect_uri: WEB_CALLBACK, nonce: 'n3', state: 's' });
    const params = callbackParams(res.headers.location as string, 'fragment');
    expect(Object.keys(params)).toEqual(['code', 'id_token', 'state']);
    const idToken = await verifyWithServedJwks(t.http, params.id_token!, { issuer: issuer(), audience: 'web-app' });
    expect(idToken.c_hash).toBe(halfHash(params.code!));
    expect(idToken.at_hash).toBeUndefined();
    expect(idToken.nonce).toBe('n3');
  });

  it('code id_token token (hybrid): c_hash and at_hash', async () => {
    const res = await new Browser(t).login({ client_id: 'web-app', response_type: 'code id_token token', redirect_uri: WEB_CALLBACK, nonce: 'n4' });
    const params = callbackParams(res.headers.location as string, 'fragment');
    expect(Object.keys(params)).toEqual(['code', 'access_token', 'expires_in', 'token_type', 'id_token']);
    const idToken = await verifyWithServedJwks(t.http, params.id_token!, { issuer: issuer(), audience: 'web-app' });
    expect(idToken.c_hash).toBe(halfHash(params.code!));
    expect(idToken.at_hash).toBe(halfHash(params.access_token!));
  });

  it('form_post (express-openid-connect\'s default: id_token): the auto-submitting form, values escaped', async () => {
    const res = await new Browser(t).login({ client_id: 'web-app', response_type: 'id_token', response_mode: 'form_post', redirect_uri: WEB_CALLBACK, nonce: 'n5', state: '"><script>' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    const idToken = /name="id_token" value="([^"]+)"/.exec(res.text)![1]!;
    expect(res.text).toBe(
      `<html><head><title>Submit This Form</title></head><body onload="javascript:document.forms[0].submit()">\n<form method="post" action="${WEB_CALLBACK}">\n` +
        `<input type="hidden" name="id_token" value="${idToken}"/>\n<input type="hidden" name="state" value="&quot;&gt;&lt;script&gt;"/>\n` +
        '<noscript><button type="submit">Continue</button></noscript>\n</form>\n</body></html>\n',
    );
    expect((await verifyWithServedJwks(t.http, idToken, { issuer: issuer(), audience: 'web-app' })).nonce).toBe('n5');
  });

  it('web_message (auth0-spa-js popup): the page posts the code to the callback origin', async () => {
    const res = await new Browser(t).login({ client_id: 'spa', response_type: 'code', response_mode: 'web_message', redirect_uri: SPA_ORIGIN, state: 'st', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    expect(res.status).toBe(200);
    expect(res.headers['x-frame-options']).toBeUndefined();
    const code = /"code":"([A-Za-z0-9_-]{43})"/.exec(res.text)?.[1];
    expect(code).toBeDefined();
    expect(res.text).toBe(`<!DOCTYPE html>
<html>
<head><title>Authorization Response</title></head>
<body>
<script type="text/javascript">
(function(window, document) {
  var targetOrigin = "${SPA_ORIGIN}";
  var authorizationResponse = {type: "authorization_response", response: {"code":"${code}","state":"st"}};
  var mainWin = (window.opener) ? window.opener : window.parent;
  mainWin.postMessage(authorizationResponse, targetOrigin);
})(this, this.document);
</script>
</body>
</html>
`);
  });

  it('POST /authorize (a form) works as GET does', async () => {
    const res = await t.http.post('/authorize').type('form').send({ client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK, state: 'st' }).redirects(0);
    expect(res.status).toBe(302);
    expect(res.headers.location).toMatch(new RegExp(`^${t.url}/u/login\\?state=[A-Za-z0-9_-]{32}$`));
  });

  it('a path-form tenant: its pages and the resume step are under its path', async () => {
    const res = await t.http.get(`/dev/authorize?${new URLSearchParams({ client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK })}`).redirects(0);
    const pathLogin = res.headers.location as string;
    expect(pathLogin.startsWith(`${t.url}/dev/u/login?state=`)).toBe(true);
    const pathState = new URL(pathLogin).searchParams.get('state')!;
    const posted = await t.http.post(`/dev/u/login?state=${pathState}`).type('form').send({ state: pathState, username: 'user@example.com', password: 'pwd', action: 'default' }).redirects(0);
    expect(posted.headers.location).toBe(`${t.url}/dev/authorize/resume?state=${pathState}`);
    expect(posted.headers['set-cookie']![0]).toMatch(/^auth0=[^;]+; path=\/dev\/; expires=[^;]+; samesite=lax; httponly$/);
  });
});

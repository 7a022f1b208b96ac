/**
 * Rules and post-login Actions on the browser login (browser flows reference §9): the protocol and
 * event.transaction they are told, a denial sent to the callback, a redirect that suspends the login until
 * /continue (Actions go on in onContinuePostLogin; rules run again with the protocol redirect-callback), and a
 * redirect under prompt=none (interaction_required).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startEmulator, verifyWithServedJwks, type TestEmulator } from '../helpers.js';
import { Browser, callbackParams, config, SPA_ORIGIN, WEB_CALLBACK } from './setup.js';

const STALE =
  'invalid_request: You may have pressed the back button, refreshed during login, opened too many login dialogs, or there is some issue with cookies, since we couldn&#39;t find your session. Try logging in again from the application and if the problem persists please contact the administrator.';
const details = (text: string) => /<code id="error-details">(.*)<\/code>/.exec(text)?.[1];
const OTHER = { username: 'other@example.com', password: 'pwd2' };

async function idTokenClaims(t: TestEmulator, location: string) {
  const idToken = callbackParams(location, 'fragment').id_token!;
  return verifyWithServedJwks(t.http, idToken, { audience: 'web-app' });
}

describe('post-login Actions', () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startEmulator({
      config: config({ actions: { 'post-login': [fixture('browser/action-deny.js'), fixture('browser/action-consent-redirect.js'), fixture('browser/action-transaction.js')] } }),
    });
  });
  afterAll(() => t.close());

  it('see the browser login: its protocol, event.transaction, the /authorize query, one login counted', async () => {
    const params = { client_id: 'web-app', response_type: 'id_token', response_mode: 'fragment', redirect_uri: WEB_CALLBACK, nonce: 'n', state: 'st', scope: 'openid email', login_hint: 'user@example.com', prompt: 'login', ui_locales: 'fr en', auth0Client: 'eyJ9' };
    const browser = new Browser(t);
    const res = await browser.login(params);
    const claims = await idTokenClaims(t, res.headers.location as string);
    const transaction = claims['https://example.com/transaction'] as Record<string, unknown>;
    expect(transaction).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      redirect_uri: WEB_CALLBACK,
      response_type: ['id_token'],
      response_mode: 'fragment',
      state: 'st',
      prompt: ['login'],
      login_hint: 'user@example.com',
      ui_locales: ['fr', 'en'],
      acr_values: [],
      protocol: 'oidc-implicit-profile',
      requested_scopes: ['openid', 'email'],
      locale: 'en',
    });
    expect(claims['https://example.com/request']).toEqual({ method: 'GET', query: params });
    expect(claims['https://example.com/methods']).toEqual(['pwd']);
    const logins = claims['https://example.com/logins'] as number;
    // A single sign-on runs the Actions but is not a login (community.auth0.com/t/91318).
    const sso = await browser.get(`/authorize?${new URLSearchParams({ ...params, prompt: '' })}`);
    expect((await idTokenClaims(t, sso.headers.location as string))['https://example.com/logins']).toBe(logins);
  });

  it.each([
    ['code', 'oidc-basic-profile'],
    ['code id_token', 'oidc-hybrid-profile'],
    ['code token', 'oidc-hybrid-profile'],
    ['id_token', 'oidc-implicit-profile'],
    ['token', 'oidc-implicit-profile'],
  ])('response_type %s: protocol %s', async (responseType, protocol) => {
    const logged: string[] = [];
    const stop = t.emulator.onExtensionLog((entry) => logged.push(entry.text));
    try {
      const res = await new Browser(t).login({ client_id: 'web-app', response_type: responseType, redirect_uri: WEB_CALLBACK, nonce: 'n' });
      expect(res.status).toBe(302);
      expect(logged.filter((text) => text.startsWith('protocol '))).toEqual([`protocol ${protocol}`]);
    } finally {
      stop();
    }
  });

  it('api.access.deny: access_denied with the reason, at the callback in the response mode', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin({ client_id: 'web-app', response_type: 'code', response_mode: 'form_post', redirect_uri: WEB_CALLBACK, state: 'st', connection: 'employees' });
    const posted = await browser.post(loginUrl, { state, username: 'boss@corp.example', password: 's3cret' });
    const res = await browser.get(posted.headers.location as string);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<input type="hidden" name="error" value="access_denied"/>\n<input type="hidden" name="error_description" value="No entry for boss@corp.example"/>\n<input type="hidden" name="state" value="st"/>');
    // The transaction is answered: going back to the resume step is Auth0's lost-transaction page.
    expect(details((await browser.get(posted.headers.location as string)).text)).toBe(STALE);
    // The session was made all the same (Auth0): the next try is a single sign-on, denied again.
    const again = await browser.get(`/authorize?${new URLSearchParams({ client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK, connection: 'employees' })}`);
    expect(again.headers.location).toBe(`${WEB_CALLBACK}?error=access_denied&error_description=No%20entry%20for%20boss%40corp.example`);
  });

  it('api.redirect.sendUserTo: the browser goes there with state; /continue resumes in onContinuePostLogin, then the next Actions', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin({ client_id: 'web-app', response_type: 'id_token', redirect_uri: WEB_CALLBACK, nonce: 'n', state: 'app' });
    const posted = await browser.post(loginUrl, { state, ...OTHER });
    const away = await browser.get(posted.headers.location as string);
    expect(away.status).toBe(302);
    expect(away.headers.location).toBe(`https://consent.example/ask?who=other%40example.com&state=${state}`);
    // Not through /authorize/resume again while it waits.
    expect((await browser.get(posted.headers.location as string)).status).toBe(400);
    const back = await browser.get(`/continue?state=${state}&answer=yes`);
    expect(back.status).toBe(302);
    const claims = await idTokenClaims(t, back.headers.location as string);
    expect(claims).toMatchObject({ nonce: 'n', 'https://example.com/before': true, 'https://example.com/answer': 'yes', 'https://example.com/request': { method: 'GET', query: { state, answer: 'yes' } } });
    expect(callbackParams(back.headers.location as string, 'fragment').state).toBe('app');
    // Once only.
    const twice = await browser.get(`/continue?state=${state}&answer=no`);
    expect(twice.status).toBe(400);
    expect(details(twice.text)).toBe(STALE);
  });

  it('/continue takes a POST too, and needs the browser that logged in', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin({ client_id: 'web-app', response_type: 'id_token', redirect_uri: WEB_CALLBACK, nonce: 'n' });
    const posted = await browser.post(loginUrl, { state, ...OTHER });
    await browser.get(posted.headers.location as string);
    const stranger = await new Browser(t).post('/continue', { state, answer: 'x' });
    expect(stranger.status).toBe(400);
    expect(details(stranger.text)).toBe(STALE);
    const back = await browser.post('/continue', { state, answer: 'posted' });
    expect((await idTokenClaims(t, back.headers.location as string))['https://example.com/answer']).toBe('posted');
  });

  it.each([['/continue'], ['/continue?state=nope']])('%s without a waiting login: Auth0\'s page', async (path) => {
    const res = await t.http.get(path);
    expect(res.status).toBe(400);
    expect(details(res.text)).toBe(STALE);
  });

  it('a redirect under prompt=none: interaction_required at the callback', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin({ client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK });
    const posted = await browser.post(loginUrl, { state, ...OTHER });
    const away = await browser.get(posted.headers.location as string);
    await browser.get(`/continue?state=${new URL(away.headers.location as string).searchParams.get('state')}`);
    const silent = await browser.get(`/authorize?${new URLSearchParams({ client_id: 'spa', response_type: 'code', response_mode: 'web_message', redirect_uri: SPA_ORIGIN, prompt: 'none', state: 's' })}`);
    expect(silent.text).toContain('response: {"error":"interaction_required","error_description":"Redirect is not possible in this flow","state":"s"}};');
  });

  it('a single sign-on that an Action redirects gets a transaction of its own', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin({ client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK });
    const posted = await browser.post(loginUrl, { state, ...OTHER });
    const away = await browser.get(posted.headers.location as string);
    await browser.get(`/continue?state=${new URL(away.headers.location as string).searchParams.get('state')}`);
    const sso = await browser.get(`/authorize?${new URLSearchParams({ client_id: 'web-app', response_type: 'id_token', redirect_uri: WEB_CALLBACK, nonce: 'n2' })}`);
    const next = new URL(sso.headers.location as string);
    expect(next.origin).toBe('https://consent.example');
    const back = await browser.get(`/continue?state=${next.searchParams.get('state')}&answer=again`);
    expect((await idTokenClaims(t, back.headers.location as string))['https://example.com/answer']).toBe('again');
  });
});

describe('rules', () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startEmulator({ config: config({ rules: [fixture('browser/rule-redirect-once.js'), fixture('extensions/rule-unauthorized.js')] }) });
  });
  afterAll(() => t.close());

  it('a rule\'s UnauthorizedError: unauthorized with its message at the callback', async () => {
    const res = await new Browser(t).login({ client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK, state: 'st' });
    expect(res.headers.location).toBe(`${WEB_CALLBACK}?error=unauthorized&error_description=Access%20to%20this%20app%20is%20not%20allowed%20for%20you&state=st`);
  });

  it('context.redirect: state added before the fragment; on /continue every rule runs again as redirect-callback', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin({ client_id: 'web-app', response_type: 'id_token', redirect_uri: WEB_CALLBACK, nonce: 'n' });
    const posted = await browser.post(loginUrl, { state, ...OTHER });
    const away = await browser.get(posted.headers.location as string);
    expect(away.headers.location).toBe(`https://rules.example/step?state=${state}#frag`);
    const back = await browser.get(`/continue?state=${state}&answer=42`);
    expect((await idTokenClaims(t, back.headers.location as string))['https://example.com/rule']).toBe('42');
  });
});

describe('a rule asking for MFA (not emulated)', () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startEmulator({ config: config({ rules: [fixture('extensions/rule-multifactor.js')] }) });
  });
  afterAll(() => t.close());

  it('refuses the login at the callback; under prompt=none Auth0\'s login_required "Multifactor authentication required"', async () => {
    const browser = new Browser(t);
    const res = await browser.login({ client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK, state: 'st' });
    expect(res.headers.location).toBe(`${WEB_CALLBACK}?error=mfa_required&error_description=Multifactor%20authentication%20required&state=st`);
    const silent = await browser.get(`/authorize?${new URLSearchParams({ client_id: 'spa', response_type: 'code', response_mode: 'web_message', redirect_uri: SPA_ORIGIN, prompt: 'none', state: 's' })}`);
    expect(silent.text).toContain('response: {"error":"login_required","error_description":"Multifactor authentication required","state":"s"}};');
  });
});

describe('an Action redirecting to a URL a header cannot carry as written', () => {
  it('sends it percent-encoded, never a 500 nor a header of its own', async () => {
    const t = await startEmulator({ config: config({ actions: { 'post-login': [fixture('browser/action-odd-redirect.js')] } }) });
    try {
      const browser = new Browser(t);
      const { loginUrl, state } = await browser.startLogin({ client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK });
      const posted = await browser.post(loginUrl, { state, username: 'user@example.com', password: 'pwd' });
      const res = await browser.get(posted.headers.location as string);
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe(`https://x.example/%C3%A9%20p%0D%0ASet-Cookie:%20a=b?state=${state}`);
      expect(res.headers['set-cookie']).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});

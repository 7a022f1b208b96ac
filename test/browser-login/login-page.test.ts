/**
 * The login page (/u/login?state=…): the markup end-to-end tests written against Auth0's New Universal Login
 * select, its headers, its errors (400, Auth0's texts and data-error-codes), the directory it logs into, the
 * "continue as" buttons, and an unknown or finished transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../src/index.js';
import { startEmulator, type TestEmulator } from '../helpers.js';
import { Browser, callbackParams, config, WEB_CALLBACK } from './setup.js';

let t: TestEmulator;
const log: RequestLogEntry[] = [];
beforeAll(async () => {
  t = await startEmulator({ config: config(), log: (entry) => log.push(entry) });
});
afterAll(() => t.close());

const CODE = { client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK, state: 'app' };
const details = (text: string) => /<code id="error-details">(.*)<\/code>/.exec(text)?.[1];
const STALE =
  'invalid_request: You may have pressed the back button, refreshed during login, opened too many login dialogs, or there is some issue with cookies, since we couldn&#39;t find your session. Try logging in again from the application and if the problem persists please contact the administrator.';
const userId = (email: string) => t.emulator.listUsers({ connection: 'Username-Password-Authentication' }).find((u) => u.email === email)!.user_id;

describe('the page', () => {
  it('has the form tests select, never framed nor cached, with no external asset', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin(CODE);
    const res = await browser.get(loginUrl);
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'deny',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    });
    expect(res.text).toContain('<form method="post" data-form-primary="true">');
    expect(res.text).toContain(`<input type="hidden" name="state" value="${state}">`);
    expect(res.text).toContain('<label for="username">Email address</label>\n<input id="username" name="username" type="text" value="" inputmode="email" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>');
    expect(res.text).toContain('<label for="password">Password</label>\n<input id="password" name="password" type="password" autocomplete="current-password" required>');
    expect(res.text).toContain('<button type="submit" name="action" value="default" data-action-button-primary="true">Continue</button>');
    expect(res.text).toContain('<title>Log in | Dev Tenant</title>');
    expect(res.text).toContain('<p>Log in to Dev Tenant to continue to Web App.</p>');
    expect(res.text).not.toMatch(/<script|<link|<img|src=|https?:\/\//);
    expect(res.text).not.toContain('error-element');
  });

  it('pre-fills login_hint (escaped) and focuses the password', async () => {
    const browser = new Browser(t);
    const { loginUrl } = await browser.startLogin({ ...CODE, login_hint: '"><b>x@y.z' });
    const res = await browser.get(loginUrl);
    expect(res.text).toContain('<input id="username" name="username" type="text" value="&quot;&gt;&lt;b&gt;x@y.z" inputmode="email" autocomplete="username" autocapitalize="none" spellcheck="false" required>');
    expect(res.text).toContain('autocomplete="current-password" required autofocus>');
  });

  it('lists the directory\'s users as "continue as" buttons in the form (one click logs in)', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin(CODE);
    const res = await browser.get(loginUrl);
    const id = userId('other@example.com');
    expect(res.text).toContain(`<li><button type="submit" name="continue_as" value="${id}" formnovalidate>Other User<span class="email">other@example.com</span></button></li>`);
    // employees' users are another directory.
    expect(res.text).not.toContain('boss@corp.example');
    const posted = await browser.post(loginUrl, { state, username: '', password: '', continue_as: id });
    expect(posted.status).toBe(302);
    const done = await browser.get(posted.headers.location as string);
    expect(callbackParams(done.headers.location as string)).toMatchObject({ state: 'app' });
  });

  it('the connection parameter picks the directory', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin({ ...CODE, connection: 'employees' });
    const page = await browser.get(loginUrl);
    expect(page.text).toContain('boss@corp.example');
    expect(page.text).not.toContain('other@example.com');
    // user@example.com is not in employees.
    const wrong = await browser.post(loginUrl, { state, username: 'user@example.com', password: 'pwd', action: 'default' });
    expect(wrong.status).toBe(400);
    const ok = await browser.post(loginUrl, { state, username: 'boss@corp.example', password: 's3cret', action: 'default' });
    expect(ok.status).toBe(302);
  });

  it('without continue_as in the tenant, no buttons, and a posted continue_as is no login', async () => {
    const t2 = await startEmulator({ config: config({ login_page: { continue_as: false } }) });
    try {
      const browser = new Browser(t2);
      const { loginUrl, state } = await browser.startLogin(CODE);
      const page = await browser.get(loginUrl);
      expect(page.text).not.toContain('continue_as');
      const res = await browser.post(loginUrl, { state, continue_as: 'auth0|whatever', username: 'user@example.com', password: 'nope' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('Wrong email or password');
    } finally {
      await t2.close();
    }
  });

  it('caps the buttons at 20 and says how many more users there are', async () => {
    const users = Array.from({ length: 23 }, (_, i) => ({ email: `u${i}@example.com`, password: 'p' }));
    const t2 = await startEmulator({ config: config({ connections: [{ name: 'Username-Password-Authentication', users }] }) });
    try {
      const browser = new Browser(t2);
      const { loginUrl } = await browser.startLogin(CODE);
      const page = await browser.get(loginUrl);
      expect(page.text.match(/name="continue_as"/g)).toHaveLength(20);
      expect(page.text).toContain('<p>3 more users not listed: log in with a password above.</p>');
    } finally {
      await t2.close();
    }
  });
});

describe('errors on the page', () => {
  it('a wrong password: 400, the page again with the username kept and Auth0\'s error markup', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin(CODE);
    const res = await browser.post(loginUrl, { state, username: 'user@example.com', password: 'wrong', action: 'default' });
    expect(res.status).toBe(400);
    expect(res.headers['x-frame-options']).toBe('deny');
    expect(res.text).toContain('value="user@example.com"');
    expect(res.text).toContain(
      '<input id="password" name="password" type="password" autocomplete="current-password" required autofocus aria-invalid="true" aria-describedby="error-element-password">\n' +
        '<span id="error-element-password" class="ulp-input-error-message" data-error-code="wrong-email-credentials"><span class="ulp-input-error-icon" role="img" aria-label="Error"></span>Wrong email or password</span></div>',
    );
    expect(browser.cookies.has('auth0')).toBe(false);
  });

  it('an unknown user reads the same', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin(CODE);
    const res = await browser.post(loginUrl, { state, username: 'nobody@example.com', password: 'pwd', action: 'default' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('data-error-code="wrong-email-credentials"><span class="ulp-input-error-icon" role="img" aria-label="Error"></span>Wrong email or password</span>');
  });

  it('empty fields: Auth0\'s texts', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin(CODE);
    const noEmail = await browser.post(loginUrl, { state, username: ' ', password: 'x' });
    expect(noEmail.status).toBe(400);
    expect(noEmail.text).toContain('<span id="error-element-username" class="ulp-input-error-message" data-error-code="no-email"><span class="ulp-input-error-icon" role="img" aria-label="Error"></span>Please enter an email address</span>');
    const noPassword = await browser.post(loginUrl, { state, username: 'user@example.com' });
    expect(noPassword.status).toBe(400);
    expect(noPassword.text).toContain('<span id="error-element-password" class="ulp-input-error-message" data-error-code="no-password"><span class="ulp-input-error-icon" role="img" aria-label="Error"></span>Password is required</span>');
  });

  it('a blocked user (right password): Auth0\'s unauthorized "user is blocked" at the callback, no session', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin(CODE);
    const res = await browser.post(loginUrl, { state, username: 'blocked@example.com', password: 'pwd', action: 'default' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${WEB_CALLBACK}?error=unauthorized&error_description=user%20is%20blocked&state=app`);
    expect(browser.cookies.has('auth0')).toBe(false);
    // The transaction is answered.
    expect((await browser.get(loginUrl)).status).toBe(400);
  });

  it.each([
    ['/u/login', 'GET'],
    ['/u/login?state=nope', 'GET'],
    ['/u/login?state=nope', 'POST'],
    ['/authorize/resume?state=nope', 'GET'],
    ['/authorize/resume', 'GET'],
  ])('%s (%s) without a live transaction: Auth0\'s page', async (path, method) => {
    const res = method === 'GET' ? await t.http.get(path) : await t.http.post(path).type('form').send({ username: 'a', password: 'b' });
    expect(res.status).toBe(400);
    expect(res.headers['x-frame-options']).toBe('deny');
    expect(details(res.text)).toBe(STALE);
  });

  it('a finished transaction cannot be answered twice (back button, double submit)', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin(CODE);
    const posted = await browser.post(loginUrl, { state, username: 'user@example.com', password: 'pwd', action: 'default' });
    const resumeUrl = posted.headers.location as string;
    expect((await browser.get(resumeUrl)).status).toBe(302);
    const again = await browser.get(resumeUrl);
    expect(again.status).toBe(400);
    expect(details(again.text)).toBe(STALE);
    expect(details((await browser.get(loginUrl)).text)).toBe(STALE);
  });

  it('the resume step needs the browser that logged in', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin(CODE);
    const posted = await browser.post(loginUrl, { state, username: 'user@example.com', password: 'pwd', action: 'default' });
    const other = new Browser(t);
    const res = await other.get(posted.headers.location as string);
    expect(res.status).toBe(400);
    expect(details(res.text)).toBe(STALE);
    // The browser that logged in still can.
    expect((await browser.get(posted.headers.location as string)).status).toBe(302);
  });

  it('the resume step before any login: the page', async () => {
    const browser = new Browser(t);
    const { state } = await browser.startLogin(CODE);
    const res = await browser.get(`/authorize/resume?state=${state}`);
    expect(res.status).toBe(400);
    expect(details(res.text)).toBe(STALE);
  });
});

describe('the request log', () => {
  it('names the client and the user of each step, and why a login failed or was refused', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin(CODE);
    expect(log.at(-1)).toMatchObject({ method: 'GET', path: '/authorize', status: 302, client: 'web-app' });
    await browser.post(loginUrl, { state, username: 'user@example.com', password: 'nope' });
    expect(log.at(-1)).toMatchObject({ method: 'POST', path: '/u/login', status: 400, client: 'web-app', error: 'invalid_user_password', detail: 'wrong password' });
    expect(log.at(-1)!.user).toBeUndefined();
    const posted = await browser.post(loginUrl, { state, username: 'user@example.com', password: 'pwd' });
    expect(log.at(-1)).toMatchObject({ method: 'POST', path: '/u/login', status: 302, client: 'web-app', user: userId('user@example.com') });
    await browser.get(posted.headers.location as string);
    expect(log.at(-1)).toMatchObject({ method: 'GET', path: '/authorize/resume', status: 302, client: 'web-app', user: userId('user@example.com') });
    expect(log.at(-1)!.error).toBeUndefined();
    await new Browser(t).get(`/authorize?${new URLSearchParams({ ...CODE, prompt: 'none' })}`);
    expect(log.at(-1)).toMatchObject({ path: '/authorize', status: 302, client: 'web-app', error: 'login_required', detail: 'no session' });
  });
});

describe('a Host header no URL can have', () => {
  it.each(['x y', '[::1', 'x:99999'])('"%s": the login still sets its cookie at the root tenant\'s path, no 500', async (host) => {
    const res = await t.http.get(`/authorize?${new URLSearchParams(CODE)}`).set('Host', host).redirects(0);
    expect(res.status).toBe(302);
    const state = new URLSearchParams((res.headers.location as string).split('?')[1]).get('state')!;
    const posted = await t.http.post(`/u/login?state=${state}`).set('Host', host).type('form').send({ state, username: 'user@example.com', password: 'pwd' }).redirects(0);
    expect(posted.status).toBe(302);
    expect((posted.headers['set-cookie'] as unknown as string[])[0]).toMatch(/^auth0=[^;]+; path=\/; /);
  });
});

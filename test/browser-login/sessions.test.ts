/**
 * Sessions (browser flows reference §1.5, §5): single sign-on across the tenant's clients, silent
 * authentication (prompt=none), prompt=login and max_age forcing a login, idle and absolute expiry, and one
 * tenant's cookie being no session in another.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, verifyWithServedJwks, type TestEmulator } from '../helpers.js';
import { Browser, browserTenant, callbackParams, config, SPA_ORIGIN, WEB_CALLBACK } from './setup.js';

let t: TestEmulator;
beforeAll(async () => {
  t = await startEmulator({ config: config({ session_lifetime: 24, idle_session_lifetime: 2 }) });
});
afterAll(() => t.close());
beforeEach(() => t.emulator.clock.reset());

const CODE = { client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK, state: 'app' };
const SILENT_SPA = { client_id: 'spa', response_type: 'code', response_mode: 'web_message', redirect_uri: SPA_ORIGIN, prompt: 'none', state: 'spa-state' };
const authorize = (browser: Browser, params: Record<string, string>) => browser.get(`/authorize?${new URLSearchParams(params)}`);

async function loggedIn(): Promise<Browser> {
  const browser = new Browser(t);
  const res = await browser.login(CODE);
  expect(res.status).toBe(302);
  return browser;
}

describe('single sign-on', () => {
  it('the login sets the auth0 cookie (signed, HttpOnly, Lax over http, the session lifetime)', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin(CODE);
    const posted = await browser.post(loginUrl, { state, username: 'user@example.com', password: 'pwd' });
    const cookies = posted.headers['set-cookie'] as unknown as string[];
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toMatch(/^auth0=[A-Za-z0-9_-]{32}; path=\/; expires=[^;]+; samesite=lax; httponly$/);
    expect(cookies[1]).toMatch(/^auth0\.sig=[A-Za-z0-9_-]+; path=\/; expires=[^;]+; samesite=lax; httponly$/);
    const expires = Date.parse(/expires=([^;]+)/.exec(cookies[0]!)![1]!);
    expect(Math.round((expires - Date.now()) / 3_600_000)).toBe(24);
  });

  it('another client of the tenant: straight to its callback, no page', async () => {
    const browser = await loggedIn();
    const res = await authorize(browser, { client_id: 'spa', response_type: 'code', redirect_uri: `${SPA_ORIGIN}/callback`, state: 's2' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toMatch(new RegExp(`^${SPA_ORIGIN}/callback\\?code=[A-Za-z0-9_-]{43}&state=s2$`));
  });

  it('silent authentication (prompt=none, web_message) with a session: the code, posted to the app', async () => {
    const browser = await loggedIn();
    const res = await authorize(browser, SILENT_SPA);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/response: \{"code":"[A-Za-z0-9_-]{43}","state":"spa-state"\}\};/);
  });

  it('the ID token of a single sign-on has the session\'s sid and the first login\'s auth_time', async () => {
    const browser = await loggedIn();
    const first = Math.floor(t.emulator.clock.now() / 1000);
    t.emulator.clock.advance(60_000);
    const res = await authorize(browser, { client_id: 'web-app', response_type: 'id_token', redirect_uri: WEB_CALLBACK, nonce: 'n' });
    const idToken = callbackParams(res.headers.location as string, 'fragment').id_token!;
    const claims = await verifyWithServedJwks(t.http, idToken, { audience: 'web-app' });
    expect(claims.sid).toBe(browser.cookies.get('auth0'));
    expect(Math.abs((claims.auth_time as number) - first)).toBeLessThanOrEqual(1);
    expect(claims.iat! - (claims.auth_time as number)).toBeGreaterThanOrEqual(59);
  });

  it('prompt=none without a session: login_required, in the response mode', async () => {
    const res = await authorize(new Browser(t), SILENT_SPA);
    expect(res.status).toBe(200);
    expect(res.text).toContain('response: {"error":"login_required","error_description":"Login required","state":"spa-state"}};');
  });

  it('prompt=login always shows the page; logging in again renews the session\'s auth_time, same session', async () => {
    const browser = await loggedIn();
    const sid = browser.cookies.get('auth0');
    t.emulator.clock.advance(120_000);
    const { loginUrl, state } = await browser.startLogin({ ...CODE, prompt: 'login', response_type: 'id_token', nonce: 'n' });
    const posted = await browser.post(loginUrl, { state, username: 'user@example.com', password: 'pwd' });
    const done = await browser.get(posted.headers.location as string);
    const claims = await verifyWithServedJwks(t.http, callbackParams(done.headers.location as string, 'fragment').id_token!, { audience: 'web-app' });
    expect(claims.sid).toBe(sid);
    expect(Math.abs((claims.auth_time as number) - Math.floor(t.emulator.clock.now() / 1000))).toBeLessThanOrEqual(1);
  });

  it('another user logging in on the same browser gets a new session', async () => {
    const browser = await loggedIn();
    const sid = browser.cookies.get('auth0');
    const { loginUrl, state } = await browser.startLogin({ ...CODE, prompt: 'login' });
    await browser.post(loginUrl, { state, username: 'other@example.com', password: 'pwd2' });
    expect(browser.cookies.get('auth0')).not.toBe(sid);
  });

  it('max_age: a login older than it shows the page again (prompt=none: login_required)', async () => {
    const browser = await loggedIn();
    t.emulator.clock.advance(30_000);
    const fresh = await authorize(browser, { ...CODE, max_age: '3600' });
    expect(fresh.headers.location).toMatch(/^http:\/\/localhost:3000\/callback\?code=/);
    const stale = await authorize(browser, { ...CODE, max_age: '10' });
    expect(stale.headers.location).toMatch(new RegExp(`^${t.url}/u/login\\?state=`));
    const silent = await authorize(browser, { ...SILENT_SPA, max_age: '10' });
    expect(silent.text).toContain('"error":"login_required","error_description":"Login required"');
  });

  it('idle expiry: unused for idle_session_lifetime, the session is over; use keeps it on', async () => {
    const browser = await loggedIn();
    t.emulator.clock.advance(90 * 60_000);
    expect((await authorize(browser, SILENT_SPA)).text).toContain('"code"');
    t.emulator.clock.advance(90 * 60_000);
    expect((await authorize(browser, SILENT_SPA)).text).toContain('"code"');
    t.emulator.clock.advance(121 * 60_000);
    expect((await authorize(browser, SILENT_SPA)).text).toContain('"error":"login_required"');
  });

  it('absolute expiry: session_lifetime after the login, however used', async () => {
    const browser = await loggedIn();
    for (let i = 0; i < 13; i++) {
      t.emulator.clock.advance(110 * 60_000);
      expect((await authorize(browser, SILENT_SPA)).text).toContain('"code"');
    }
    t.emulator.clock.advance(110 * 60_000);
    expect((await authorize(browser, SILENT_SPA)).text).toContain('"error":"login_required"');
  });

  it('a blocked user\'s session answers the callback unauthorized', async () => {
    const browser = await loggedIn();
    t.emulator.blockUser('user@example.com');
    try {
      const res = await authorize(browser, CODE);
      expect(res.headers.location).toBe(`${WEB_CALLBACK}?error=unauthorized&error_description=user%20is%20blocked&state=app`);
    } finally {
      t.emulator.unblockUser('user@example.com');
    }
  });

  it('a deleted user\'s session is over', async () => {
    const browser = await loggedIn();
    const { loginUrl, state } = await browser.startLogin({ ...CODE, prompt: 'login' });
    await browser.post(loginUrl, { state, username: 'other@example.com', password: 'pwd2' });
    t.emulator.removeUser('other@example.com');
    expect((await authorize(browser, SILENT_SPA)).text).toContain('"error":"login_required"');
  });
});

describe('tenants keep their sessions apart', () => {
  it('a root tenant\'s cookie (path /) reaches another tenant\'s paths, but is no session there', async () => {
    const two = await startEmulator({ config: { tenants: [{ ...browserTenant(), default: true }, { ...browserTenant(), name: 'other' }] } });
    try {
      const browser = new Browser(two);
      expect((await browser.login(CODE)).status).toBe(302);
      const res = await browser.get(`/other/authorize?${new URLSearchParams(SILENT_SPA)}`);
      expect(res.text).toContain('"error":"login_required"');
      // The root tenant still has it.
      expect((await browser.get(`/authorize?${new URLSearchParams(SILENT_SPA)}`)).text).toContain('"code"');
    } finally {
      await two.close();
    }
  });
});

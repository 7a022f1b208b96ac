import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type TestEmulator } from '../helpers.js';
import { Browser, callbackParams, config, WEB_CALLBACK } from './setup.js';

let t: TestEmulator;
beforeAll(async () => {
  t = await startEmulator({ config: config() });
});
afterAll(() => t.close());

describe('authorization code, step by step', () => {
  it('authorize → login page → POST → resume → the callback with a code and the state', async () => {
    const browser = new Browser(t);
    const { loginUrl, state } = await browser.startLogin({ client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK, state: 'app-state', scope: 'openid profile' });
    expect(loginUrl).toBe(`${t.url}/u/login?state=${state}`);
    const page = await browser.get(loginUrl);
    expect(page.status).toBe(200);
    expect(page.headers['x-frame-options']).toBe('deny');
    const posted = await browser.post(loginUrl, { state, username: 'user@example.com', password: 'pwd', action: 'default' });
    expect(posted.status).toBe(302);
    expect(posted.headers.location).toBe(`${t.url}/authorize/resume?state=${state}`);
    expect(browser.cookies.has('auth0')).toBe(true);
    const done = await browser.get(posted.headers.location as string);
    expect(done.status).toBe(302);
    const location = done.headers.location as string;
    expect(location.startsWith(`${WEB_CALLBACK}?code=`)).toBe(true);
    expect(Object.keys(callbackParams(location))).toEqual(['code', 'state']);
    expect(callbackParams(location).state).toBe('app-state');
  });
});

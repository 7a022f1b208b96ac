/**
 * auth0-spa-js, unchanged, in headless Chromium against the emulator: the redirect login through the
 * Universal Login form, silent authentication in the hidden iframe (web_message) and with refresh tokens,
 * logout, and what the login page itself shows. The app is test/browser/spa-page.html, served from
 * another localhost port with the SDK's own UMD bundle; the test drives it through `window.app`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALICE,
  API,
  BOB,
  launchChromium,
  listenLocal,
  loginConfig,
  startLoginEmulator,
  staticFiles,
  submitLoginForm,
  verifyToken,
  waitForLoginPage,
  type LocalServer,
  type LoginEmulator,
} from './harness.js';

const SDK_BUNDLE = createRequire(import.meta.url).resolve('@auth0/auth0-spa-js/dist/auth0-spa-js.production.js');

let browser: Browser;
let spa: LocalServer;
let web: LocalServer;
let authServer: LoginEmulator;

beforeAll(async () => {
  spa = await listenLocal(
    staticFiles({
      '/': { body: readFileSync(new URL('spa-page.html', import.meta.url)), type: 'text/html; charset=utf-8' },
      '/auth0-spa-js.production.js': { body: readFileSync(SDK_BUNDLE), type: 'text/javascript' },
    }),
  );
  web = await listenLocal(); // the config's regular web app; not visited here
  authServer = await startLoginEmulator(loginConfig({ spaOrigin: spa.origin, webOrigin: web.origin }));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await authServer?.close();
  await spa?.close();
  await web?.close();
});

interface TokenResult {
  token?: string;
  error?: string;
  error_description?: string;
}

/**
 * A fresh browser context (its own cookies and storage) on the app, created with these createAuth0Client
 * options on every page load. `requests` records every request the browser makes, iframes and workers too.
 */
async function openApp(options: Record<string, unknown> = {}): Promise<{ page: Page; requests: Request[] }> {
  const context = await browser.newContext();
  context.setDefaultTimeout(10_000); // a missing page or redirect fails in seconds rather than at the test timeout
  const spaOptions = {
    domain: authServer.origin,
    clientId: 'spa',
    authorizationParams: { redirect_uri: `${spa.origin}/`, audience: API },
    // The SDK waits 60 s for the iframe's answer by default; a missing answer fails the test sooner.
    authorizeTimeoutInSeconds: 5,
    ...options,
  };
  await context.addInitScript((o) => Object.assign(globalThis, { SPA_OPTIONS: o }), spaOptions);
  const requests: Request[] = [];
  context.on('request', (r) => requests.push(r));
  const page = await context.newPage();
  await page.goto(`${spa.origin}/`);
  await appReady(page);
  return { page, requests };
}

/**
 * Waits until a new page load at the app's origin has set up its client (and handled a callback). The page
 * that started the navigation marked itself (`window.leaving`), so it is not taken for the new one.
 */
async function appReady(page: Page): Promise<void> {
  await page.waitForFunction('window.app !== undefined && window.leaving === undefined');
  expect(page.url()).toBe(`${spa.origin}/`);
  expect(await page.evaluate('window.callbackError ?? null'), 'handleRedirectCallback failed').toBeNull();
}

const app = {
  user: (page: Page) => page.evaluate<Record<string, unknown> | undefined>('app.user()'),
  token: (page: Page, options: object = {}) => page.evaluate<TokenResult>(`app.token(${JSON.stringify(options)})`),
  /** loginWithRedirect: resolves once the browser shows the emulator's login page. */
  async login(page: Page): Promise<void> {
    await page.evaluate('window.leaving = true; app.login()');
    await waitForLoginPage(page, authServer);
  },
  async logout(page: Page, returnTo: string): Promise<void> {
    await page.evaluate(`window.leaving = true; app.logout(${JSON.stringify({ logoutParams: { returnTo } })})`);
    await appReady(page);
  },
};

const isAuthorize = (r: Request) => r.url().startsWith(`${authServer.origin}/authorize?`);
const param = (r: Request, name: string) => new URL(r.url()).searchParams.get(name);

const verifyAccessToken = (token: string) => verifyToken(authServer, token, API);

const aliceId = () => authServer.emulator.getUser(ALICE.email)!.user_id;

describe('auth0-spa-js', () => {
  it('logs in with the form, renews in the hidden iframe, logs out, and then needs a login again', async () => {
    const { page, requests } = await openApp();
    await app.login(page);
    await submitLoginForm(page, ALICE);
    await appReady(page);
    expect(await app.user(page)).toMatchObject({ sub: aliceId(), email: ALICE.email, name: 'Alice Example' });

    const before = requests.length;
    const renewed = await app.token(page, { cacheMode: 'off' });
    expect(renewed.error, renewed.error_description).toBeUndefined();
    expect(await verifyAccessToken(renewed.token!)).toMatchObject({ sub: aliceId() });
    // The token came from the session, through /authorize in a hidden iframe, not from a cache.
    const silent = requests.slice(before).filter(isAuthorize);
    expect(silent.map((r) => [param(r, 'prompt'), param(r, 'response_mode'), r.frame() === page.mainFrame()])).toEqual([['none', 'web_message', false]]);

    await app.logout(page, `${spa.origin}/`);
    expect(requests.some((r) => r.url().startsWith(`${authServer.origin}/v2/logout?`) && param(r, 'returnTo') === `${spa.origin}/`)).toBe(true);
    expect(await app.user(page)).toBeUndefined();
    expect(await app.token(page)).toEqual({ error: 'login_required', error_description: 'Login required' });
  });

  it('with useRefreshTokens, renews with the refresh token (no iframe), and after logout needs a login again', async () => {
    // The fallback lets the SDK ask the session once it holds no refresh token (after logout); without it
    // the SDK fails on its own (missing_refresh_token) and never asks the emulator.
    const { page, requests } = await openApp({ useRefreshTokens: true, useRefreshTokensFallback: true });
    await app.login(page);
    await submitLoginForm(page, ALICE);
    await appReady(page);
    const login = requests.find(isAuthorize)!;
    expect(param(login, 'scope')?.split(' ')).toContain('offline_access');

    const before = requests.length;
    const renewed = await app.token(page, { cacheMode: 'off' });
    expect(renewed.error, renewed.error_description).toBeUndefined();
    expect(await verifyAccessToken(renewed.token!)).toMatchObject({ sub: aliceId() });
    const after = requests.slice(before);
    expect(after.filter(isAuthorize)).toEqual([]);
    const grants = after.filter((r) => r.url() === `${authServer.origin}/oauth/token` && r.method() === 'POST');
    expect(grants.map((r) => new URLSearchParams(r.postData() ?? '').get('grant_type'))).toEqual(['refresh_token']);

    await app.logout(page, `${spa.origin}/`);
    expect(await app.token(page)).toEqual({ error: 'login_required', error_description: 'Login required' });
  });

  it('a second login within the session goes straight back to the app (single sign-on)', async () => {
    const { page, requests } = await openApp();
    await app.login(page);
    await submitLoginForm(page, ALICE);
    await appReady(page);

    const before = requests.length;
    await page.evaluate('window.leaving = true; app.login()');
    await appReady(page);
    expect(requests.slice(before).filter((r) => new URL(r.url()).pathname === '/u/login')).toEqual([]);
    expect(await app.user(page)).toMatchObject({ email: ALICE.email });
  });

  it('logs in with one click on "continue as" (no password)', async () => {
    const { page } = await openApp();
    await app.login(page);
    const bob = authServer.emulator.getUser(BOB.email)!;
    await page.click(`button[name=continue_as][value="${bob.user_id}"]`);
    await appReady(page);
    expect(await app.user(page)).toMatchObject({ sub: bob.user_id, email: BOB.email });
  });

  it('a wrong password shows the page again (400) with "Wrong email or password", and the right one then logs in', async () => {
    const { page } = await openApp();
    await app.login(page);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/u/login'),
      submitLoginForm(page, { email: ALICE.email, password: 'not-her-password' }),
    ]);
    expect(answer.status()).toBe(400);
    await expect(page.locator('#error-element-password').innerText()).resolves.toBe('Wrong email or password');

    await submitLoginForm(page, ALICE);
    await appReady(page);
    expect(await app.user(page)).toMatchObject({ email: ALICE.email });
  });

  it('the login page may not be framed (X-Frame-Options: deny)', async () => {
    const { page } = await openApp();
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'GET' && new URL(r.url()).pathname === '/u/login'),
      app.login(page),
    ]);
    expect(answer.status()).toBe(200);
    expect(answer.headers()['x-frame-options']).toBe('deny');
    expect(answer.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});

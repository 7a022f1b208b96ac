/**
 * express-openid-connect, unchanged, in an Express app on another localhost port, driven by headless Chromium
 * through the emulator's login page: with the SDK's defaults (an ID token by form_post, the implicit family)
 * and with `response_type: 'code'` plus an audience (an access token for the API, verified with jose).
 */
import express, { type RequestHandler } from 'express';
import { auth, requiresAuth, type ConfigParams } from 'express-openid-connect';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALICE,
  API,
  WEB_SECRET,
  launchChromium,
  listenLocal,
  loginConfig,
  startLoginEmulator,
  submitLoginForm,
  verifyToken,
  waitForLoginPage,
  type LocalServer,
  type LoginEmulator,
} from './harness.js';

let browser: Browser;
let spa: LocalServer;
let web: LocalServer;
let authServer: LoginEmulator;

beforeAll(async () => {
  spa = await listenLocal(); // the config's single-page app; not visited here
  web = await listenLocal();
  authServer = await startLoginEmulator(loginConfig({ spaOrigin: spa.origin, webOrigin: web.origin }));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await authServer?.close();
  await spa?.close();
  await web?.close();
});

/** The app at `web.origin`: express-openid-connect with these options, a home page and a protected /profile. */
function serveApp(options: ConfigParams): void {
  const app = express();
  app.use(
    auth({
      issuerBaseURL: `${authServer.origin}/`,
      baseURL: web.origin,
      clientID: 'web',
      secret: 'the app session cookie secret, 32+ characters',
      authRequired: false,
      ...options,
    }),
  );
  const profile: RequestHandler = (req, res) => {
    res.json({ user: req.oidc.user, access_token: req.oidc.accessToken?.access_token ?? null });
  };
  app.get('/', (req, res) => void res.send(req.oidc.isAuthenticated() ? 'signed in' : 'signed out'));
  app.get('/profile', requiresAuth(), profile);
  web.handle(app);
}

interface Profile {
  user: Record<string, unknown>;
  access_token: string | null;
}

/** A fresh browser context (its own cookies) whose every request is recorded, iframes included. */
async function openContext(): Promise<{ page: Page; requests: Request[] }> {
  const context = await browser.newContext();
  context.setDefaultTimeout(10_000); // a missing page or redirect fails in seconds rather than at the test timeout
  const requests: Request[] = [];
  context.on('request', (r) => requests.push(r));
  return { page: await context.newPage(), requests };
}

/** Opens the protected /profile, logs in on the emulator's page, and returns what /profile then answers. */
async function loginThroughProfile(page: Page): Promise<Profile> {
  await page.goto(`${web.origin}/profile`);
  await waitForLoginPage(page, authServer);
  const [profile] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${web.origin}/profile` && r.request().method() === 'GET' && r.status() !== 302),
    submitLoginForm(page, ALICE),
  ]);
  expect(profile.status()).toBe(200);
  return (await profile.json()) as Profile;
}

const verify = (token: string, audience: string) => verifyToken(authServer, token, audience);

const aliceId = () => authServer.emulator.getUser(ALICE.email)!.user_id;

describe('express-openid-connect', () => {
  it('with its defaults (id_token, form_post) logs in and shows the user on a protected route', async () => {
    serveApp({});
    const { page, requests } = await openContext();
    const body = await loginThroughProfile(page);
    expect(body).toEqual({ user: expect.objectContaining({ sub: aliceId(), email: ALICE.email, name: 'Alice Example' }), access_token: null });

    const authorize = requests.find((r) => r.url().startsWith(`${authServer.origin}/authorize?`))!;
    const params = new URL(authorize.url()).searchParams;
    expect([params.get('response_type'), params.get('response_mode')]).toEqual(['id_token', 'form_post']);
    // The emulator posted the ID token to the app's callback from its own page (form_post).
    const callback = requests.find((r) => r.url() === `${web.origin}/callback`)!;
    expect(callback.method()).toBe('POST');
    const posted = new URLSearchParams(callback.postData() ?? '');
    expect([...posted.keys()].sort()).toEqual(['id_token', 'state']);
    expect(await verify(posted.get('id_token')!, 'web')).toMatchObject({ sub: aliceId(), nonce: params.get('nonce') });
  });

  it("with response_type 'code' and an audience, the protected route has the user and an access token that verifies", async () => {
    serveApp({ clientSecret: WEB_SECRET, authorizationParams: { response_type: 'code', audience: API, scope: 'openid profile email read:notes' } });
    const { page, requests } = await openContext();
    const body = await loginThroughProfile(page);
    expect(body.user).toMatchObject({ sub: aliceId(), email: ALICE.email });
    expect(await verify(body.access_token!, API)).toMatchObject({ sub: aliceId(), azp: 'web', scope: 'openid profile email read:notes' });

    const callback = requests.find((r) => r.url().startsWith(`${web.origin}/callback?`))!;
    expect(callback.method()).toBe('GET');
    expect([...new URL(callback.url()).searchParams.keys()].sort()).toEqual(['code', 'state']);
  });

  it('with auth0Logout, /logout ends the emulator session too (/v2/logout): the next login shows the form again', async () => {
    serveApp({ auth0Logout: true });
    const { page, requests } = await openContext();
    await loginThroughProfile(page);

    await page.goto(`${web.origin}/logout`);
    await page.waitForURL(`${web.origin}/`);
    await expect(page.locator('body').innerText()).resolves.toBe('signed out');
    const logout = requests.find((r) => r.url().startsWith(`${authServer.origin}/v2/logout?`))!;
    expect(Object.fromEntries(new URL(logout.url()).searchParams)).toEqual({ returnTo: web.origin, client_id: 'web' });

    await page.goto(`${web.origin}/profile`);
    await waitForLoginPage(page, authServer);
  });
});

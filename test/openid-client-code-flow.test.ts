/**
 * openid-client v6 (oauth4webapi underneath) runs the authorization code flow with PKCE and a nonce, with no
 * browser: fetch plays the browser (manual redirects, the emulator's cookies carried by hand) through
 * /authorize, the Universal Login form and /authorize/resume to the callback URL, which openid-client then
 * checks (state, iss) and exchanges (code_verifier, ID token nonce, iss, aud, exp). At the root URL and at the
 * `/dev/` path form, whose session cookie is scoped to that path.
 */
import {
  ClientSecretPost,
  None,
  ResponseBodyError,
  allowInsecureRequests,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  calculatePKCECodeChallenge,
  discovery,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
  refreshTokenGrant,
  type ClientAuth,
  type Configuration,
} from 'openid-client';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type AuthEmulatorConfig, type Emulator } from '../src/index.js';
import { verifyWithServedJwks } from './helpers.js';

const API = 'https://api.example.test';
// Never visited: the flow stops at the redirect to it, and openid-client reads the code from its URL.
const CALLBACK = 'https://app.example.test/callback';
const ALICE = { email: 'alice@example.com', password: 'alice-password' } as const;

const CONFIG: AuthEmulatorConfig = {
  tenants: [
    {
      name: 'dev',
      default_directory: 'Username-Password-Authentication',
      apis: [{ identifier: API, scopes: ['read:notes'], allow_offline_access: true }],
      clients: [
        {
          client_id: 'web',
          client_secret: 'web-app-secret',
          app_type: 'regular_web',
          token_endpoint_auth_method: 'client_secret_post',
          grant_types: ['authorization_code', 'refresh_token'],
          callbacks: [CALLBACK],
        },
        { client_id: 'native', app_type: 'native', token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], callbacks: [CALLBACK] },
      ],
      connections: [{ name: 'Username-Password-Authentication', users: [{ ...ALICE, name: 'Alice Example' }] }],
    },
  ],
};

let emulator: Emulator;
beforeAll(async () => {
  emulator = await createEmulator({ config: CONFIG, port: 0, stateDir: false });
});
afterAll(() => emulator.close());

/** The cookies a browser would keep for the emulator (one host; path and expiry are not needed here). */
class CookieJar {
  readonly #cookies = new Map<string, string>();
  keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0]!;
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
      if (value === '' || /;\s*max-age=0/i.test(line) || /;\s*expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
  get header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** A request as the browser would send it: cookies attached, redirects not followed. */
async function send(jar: CookieJar, url: URL, body?: URLSearchParams): Promise<Response> {
  const res = await fetch(url, {
    method: body ? 'POST' : 'GET',
    redirect: 'manual',
    headers: { cookie: jar.header, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(body ? { body } : {}),
  });
  jar.keep(res);
  return res;
}

async function redirectTarget(res: Response, from: URL): Promise<URL> {
  if (res.status !== 302) throw new Error(`expected a redirect from ${from.pathname}, got ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return new URL(res.headers.get('location')!, from);
}

/** The value of the login form's hidden `state` field. */
function hiddenState(html: string): string {
  const input = [...html.matchAll(/<input\b[^>]*>/g)].map((m) => m[0]).find((tag) => /\bname="state"/.test(tag));
  const value = input && /\bvalue="([^"]*)"/.exec(input)?.[1];
  if (!value) throw new Error(`no hidden state field in the login page:\n${html.slice(0, 500)}`);
  return value;
}

/**
 * What the browser does from the authorization URL: the login page, the form posted, then redirects until the
 * one to the callback, whose URL it returns.
 */
async function logInThroughTheForm(authorizationUrl: URL, user: { email: string; password: string }): Promise<URL> {
  const jar = new CookieJar();
  const loginPage = await redirectTarget(await send(jar, authorizationUrl), authorizationUrl);
  expect(loginPage.pathname.endsWith('/u/login')).toBe(true);
  const page = await send(jar, loginPage);
  expect(page.status).toBe(200);
  const form = new URLSearchParams({ state: hiddenState(await page.text()), username: user.email, password: user.password, action: 'default' });
  let next = await redirectTarget(await send(jar, loginPage, form), loginPage);
  while (!next.href.startsWith(CALLBACK)) next = await redirectTarget(await send(jar, next), next);
  return next;
}

/** One login and its exchange's inputs: the callback URL and what the client kept to check it. */
async function authorize(config: Configuration, parameters: Record<string, string> = {}) {
  const pkceCodeVerifier = randomPKCECodeVerifier();
  const expectedNonce = randomNonce();
  const expectedState = randomState();
  const url = buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid profile email',
    code_challenge: await calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    nonce: expectedNonce,
    state: expectedState,
    ...parameters,
  });
  const callback = await logInThroughTheForm(url, ALICE);
  return { callback, checks: { pkceCodeVerifier, expectedNonce, expectedState } };
}

const discover = (issuer: string, clientId: string, auth: ClientAuth) => discovery(new URL(issuer), clientId, undefined, auth, { execute: [allowInsecureRequests] });
const aliceId = () => emulator.getUser(ALICE.email)!.user_id;

describe.each([
  ['at the root URL', () => `${emulator.url}/`],
  ['at the /dev/ path form', () => `${emulator.url}/dev/`],
])('openid-client: authorization code + PKCE + nonce %s', (_where, issuerOf) => {
  let issuer: string;
  let web: Configuration;
  beforeAll(async () => {
    issuer = issuerOf();
    web = await discover(issuer, 'web', ClientSecretPost('web-app-secret'));
  });

  it('logs in through the form and exchanges the code for tokens that verify, a refresh token included', async () => {
    const { callback, checks } = await authorize(web, { audience: API, scope: 'openid profile email offline_access read:notes' });
    expect([...callback.searchParams.keys()].sort()).toEqual(['code', 'state']);
    const tokens = await authorizationCodeGrant(web, callback, checks);

    expect(tokens.claims()).toMatchObject({ iss: issuer, sub: aliceId(), aud: 'web', nonce: checks.expectedNonce, email: ALICE.email, name: 'Alice Example' });
    const http = supertest(emulator.url!);
    const prefix = new URL(issuer).pathname.replace(/\/$/, '');
    expect(await verifyWithServedJwks(http, tokens.access_token, { prefix, issuer, audience: API })).toMatchObject({ sub: aliceId(), azp: 'web' });
    expect(tokens.refresh_token).toEqual(expect.any(String));

    const refreshed = await refreshTokenGrant(web, tokens.refresh_token!);
    expect(await verifyWithServedJwks(http, refreshed.access_token, { prefix, issuer, audience: API })).toMatchObject({ sub: aliceId() });
  });

  it('a code works once: the second exchange gets 403 invalid_grant "Invalid authorization code"', async () => {
    const { callback, checks } = await authorize(web);
    await authorizationCodeGrant(web, callback, checks);
    const again = authorizationCodeGrant(web, callback, checks);
    await expect(again).rejects.toBeInstanceOf(ResponseBodyError);
    await expect(again).rejects.toMatchObject({ status: 403, error: 'invalid_grant', error_description: 'Invalid authorization code' });
  });

  it('a wrong code_verifier gets 403 invalid_grant "Failed to verify code verifier"', async () => {
    const { callback, checks } = await authorize(web);
    const wrong = authorizationCodeGrant(web, callback, { ...checks, pkceCodeVerifier: randomPKCECodeVerifier() });
    await expect(wrong).rejects.toMatchObject({ status: 403, error: 'invalid_grant', error_description: 'Failed to verify code verifier' }); // emulator's status (reference §11 #3; src/grants/authorization-code.ts)
  });

  it('a public client (no secret) exchanges its code with the code_verifier alone', async () => {
    const native = await discover(issuer, 'native', None());
    const { callback, checks } = await authorize(native);
    const tokens = await authorizationCodeGrant(native, callback, checks);
    expect(tokens.claims()).toMatchObject({ iss: issuer, sub: aliceId(), aud: 'native', nonce: checks.expectedNonce });
  });
});

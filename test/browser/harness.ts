/**
 * Plumbing for the tests that drive real clients in a real browser: Debian's Chromium through playwright-core
 * (nothing downloads a browser), tiny local servers for the apps, and an in-process emulator whose clients
 * call those apps back.
 *
 * Every origin is `http://localhost:<port>`: the apps and the emulator are then same-site (schemeful
 * same-site ignores the port), so the emulator's `SameSite=Lax` session cookie reaches it from the hidden
 * iframe and from form posts, and `localhost` is a secure context (auth0-spa-js needs `crypto.subtle`).
 * Mixing `localhost` and `127.0.0.1` would make them cross-site.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createEmulator, type AuthEmulatorConfig, type Emulator } from '../../src/index.js';

/** The one line a run without Chromium prints (`global-setup.ts`). */
export const CHROMIUM_MISSING =
  'The browser tests need Chromium: install it with `sudo apt-get install chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium executable.';

/** `CHROMIUM_PATH` if set (it must exist), else Debian's and Ubuntu's paths; undefined when none is there. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) return existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined;
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
}

/** The flags a machine without network access needs: no sandbox (root, containers), no calls home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** One browser per test file; each test opens its own context (cookies and storage of its own). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(CHROMIUM_MISSING);
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

export interface LocalServer {
  /** `http://localhost:<port>` */
  readonly origin: string;
  /** What answers requests; servers start before the emulator (its config names their origins). */
  handle(listener: RequestListener): void;
  close(): Promise<void>;
}

/** A server on a free port of 127.0.0.1, reached as `localhost` (Chromium falls back from ::1 to it). */
export async function listenLocal(listener?: RequestListener): Promise<LocalServer> {
  let current: RequestListener = listener ?? ((_req, res) => res.writeHead(503).end());
  const server = createServer((req, res) => current(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    handle: (next) => void (current = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // the browser's keep-alive connections would hold close() open
      }),
  };
}

/** Answers GET requests from a map of path → file body (content type by extension); everything else 404. */
export function staticFiles(files: Record<string, { body: string | Buffer; type: string }>): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const file = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (req.method !== 'GET' || !file) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    res.writeHead(200, { 'Content-Type': file.type, 'Cache-Control': 'no-store' }).end(file.body);
  };
}

export const API = 'https://api.example.test';
export const ALICE = { email: 'alice@example.com', password: 'alice-password' } as const;
export const BOB = { email: 'bob@example.com', password: 'bob-password' } as const;
export const WEB_SECRET = 'web-app-secret-0123456789';

/**
 * One tenant (served at the root, as auth0-spa-js needs: its token worker posts to `<origin>/oauth/token`)
 * with a single-page app `spa` at `spaOrigin` and a regular web app `web` at `webOrigin`.
 */
export function loginConfig({ spaOrigin, webOrigin }: { spaOrigin: string; webOrigin: string }): AuthEmulatorConfig {
  return {
    tenants: [
      {
        name: 'dev',
        default_directory: 'Username-Password-Authentication',
        apis: [{ identifier: API, scopes: ['read:notes'], allow_offline_access: true }],
        clients: [
          {
            client_id: 'spa',
            name: 'Single-Page App',
            app_type: 'spa',
            token_endpoint_auth_method: 'none',
            grant_types: ['authorization_code', 'refresh_token', 'implicit'],
            refresh_token: { rotation_type: 'rotating', expiration_type: 'expiring', token_lifetime: 86_400 },
            callbacks: [`${spaOrigin}/`],
            allowed_logout_urls: [`${spaOrigin}/`],
            web_origins: [spaOrigin],
            allowed_origins: [spaOrigin],
          },
          {
            client_id: 'web',
            client_secret: WEB_SECRET,
            name: 'Regular Web App',
            app_type: 'regular_web',
            token_endpoint_auth_method: 'client_secret_basic',
            // express-openid-connect's default (id_token + form_post) is an implicit-family flow.
            grant_types: ['authorization_code', 'implicit', 'refresh_token'],
            callbacks: [`${webOrigin}/callback`],
            allowed_logout_urls: [webOrigin], // express-openid-connect's returnTo is its baseURL, no slash
            web_origins: [webOrigin],
          },
        ],
        connections: [
          {
            name: 'Username-Password-Authentication',
            users: [
              { ...ALICE, name: 'Alice Example', email_verified: true },
              { ...BOB, name: 'Bob Example' },
            ],
          },
        ],
      },
    ],
  };
}

export interface LoginEmulator {
  emulator: Emulator;
  /** `http://localhost:<port>`; the tenant's issuer is this plus `/`. */
  origin: string;
  close(): Promise<void>;
}

/** An in-process emulator (memory only, a free port) over `config`, addressed as localhost. */
export async function startLoginEmulator(config: AuthEmulatorConfig): Promise<LoginEmulator> {
  const emulator = await createEmulator({ config, port: 0, stateDir: false });
  const origin = `http://localhost:${new URL(emulator.url!).port}`;
  return { emulator, origin, close: () => emulator.close() };
}

/** Verifies a token (RS256) against the JWKS the emulator serves, for its issuer and `audience`. */
export async function verifyToken(login: LoginEmulator, token: string, audience: string): Promise<JWTPayload> {
  const jwks = (await (await fetch(`${login.origin}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: `${login.origin}/`, audience, algorithms: ['RS256'] });
  return payload;
}

/** Waits for the emulator's login page; when it does not come, says where the browser is and what it shows. */
export async function waitForLoginPage(page: Page, login: LoginEmulator): Promise<void> {
  try {
    await page.waitForURL((url) => url.origin === login.origin && url.pathname === '/u/login');
  } catch (err) {
    const text = await page.locator('body').innerText().catch(() => '');
    throw new Error(`expected the login page; the browser is at ${page.url()}, showing: ${text.slice(0, 300)}`, { cause: err });
  }
}

/** The Universal Login form, as end-to-end tests written against Auth0 fill it. */
export async function submitLoginForm(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.fill('#username', user.email);
  await page.fill('#password', user.password);
  await page.click('button[name=action][value=default]');
}

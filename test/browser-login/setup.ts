/**
 * Shared plumbing of the browser-login tests: a tenant with a regular web app, a SPA and an implicit-only app,
 * and a small cookie-keeping browser over supertest that follows the login step by step.
 */
import type { AuthEmulatorConfig } from '../../src/index.js';
import type { TestEmulator } from '../helpers.js';

export const WEB_CALLBACK = 'http://localhost:3000/callback';
export const SPA_ORIGIN = 'http://localhost:5173';
export const API_ID = 'https://api.example.com';

type TenantInput = AuthEmulatorConfig['tenants'][number];

export function browserTenant(extra: Partial<TenantInput> = {}): TenantInput {
  return {
    name: 'dev',
    friendly_name: 'Dev Tenant',
    default_directory: 'Username-Password-Authentication',
    apis: [{ identifier: API_ID, scopes: ['read:things', 'write:things'], allow_offline_access: true }],
    clients: [
      {
        client_id: 'web-app',
        client_secret: 'web-app-secret',
        name: 'Web App',
        app_type: 'regular_web',
        callbacks: [WEB_CALLBACK, 'https://*.preview.example.com/callback'],
      },
      { client_id: 'spa', name: 'SPA', app_type: 'spa', callbacks: [SPA_ORIGIN, `${SPA_ORIGIN}/callback`], web_origins: [SPA_ORIGIN] },
      { client_id: 'code-only', name: 'Code Only', app_type: 'regular_web', client_secret: 'code-only-secret', grant_types: ['authorization_code'], callbacks: [WEB_CALLBACK] },
      { client_id: 'm2m', name: 'M2M', app_type: 'non_interactive', client_secret: 'm2m-secret', callbacks: [WEB_CALLBACK] },
    ],
    connections: [
      {
        name: 'Username-Password-Authentication',
        users: [
          { email: 'user@example.com', password: 'pwd', name: 'Example User' },
          { email: 'other@example.com', password: 'pwd2', name: 'Other User' },
          { email: 'blocked@example.com', password: 'pwd', blocked: true },
        ],
      },
      { name: 'employees', enabled_clients: ['web-app'], users: [{ email: 'boss@corp.example', password: 's3cret' }] },
    ],
    ...extra,
  };
}

export const config = (extra: Partial<TenantInput> = {}): AuthEmulatorConfig => ({ tenants: [browserTenant(extra)] });

/** A browser: keeps the `auth0` cookie (and its signature) between requests, like a real one. */
export class Browser {
  readonly #t: TestEmulator;
  cookies = new Map<string, string>();

  constructor(t: TestEmulator) {
    this.#t = t;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #keep(res: { headers: Record<string, unknown> }): void {
    const set = res.headers['set-cookie'] as string[] | undefined;
    for (const line of set ?? []) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** A path (with its query) under the emulator, or an absolute URL of it. */
  async get(url: string) {
    const res = await this.#t.http.get(this.#path(url)).set('Cookie', this.cookieHeader).redirects(0);
    this.#keep(res);
    return res;
  }

  async post(url: string, form: Record<string, string>) {
    const res = await this.#t.http.post(this.#path(url)).set('Cookie', this.cookieHeader).type('form').send(form).redirects(0);
    this.#keep(res);
    return res;
  }

  #path(url: string): string {
    return url.startsWith(this.#t.url) ? url.slice(this.#t.url.length) : url;
  }

  /** /authorize → the login page's URL (asserting the redirect). */
  async startLogin(params: Record<string, string>): Promise<{ loginUrl: string; state: string }> {
    const res = await this.get(`/authorize?${new URLSearchParams(params)}`);
    if (res.status !== 302) throw new Error(`expected a redirect to the login page, got ${res.status}: ${res.text}`);
    const loginUrl = res.headers.location as string;
    return { loginUrl, state: new URL(loginUrl).searchParams.get('state')! };
  }

  /** Logs in on the page and follows /authorize/resume: the final answer. */
  async login(params: Record<string, string>, credentials: Record<string, string> = { username: 'user@example.com', password: 'pwd' }) {
    const { loginUrl, state } = await this.startLogin(params);
    const page = await this.get(loginUrl);
    if (page.status !== 200) throw new Error(`login page: ${page.status}`);
    const posted = await this.post(loginUrl, { state, ...credentials, action: 'default' });
    if (posted.status !== 302) throw new Error(`login POST: ${posted.status}: ${posted.text}`);
    return this.get(posted.headers.location as string);
  }
}

/** The parameters of a callback URL (query, or fragment). */
export function callbackParams(location: string, where: 'query' | 'fragment' = 'query'): Record<string, string> {
  const url = new URL(location);
  return Object.fromEntries(new URLSearchParams(where === 'query' ? url.search : url.hash.slice(1)));
}

/**
 * Starting a login session without the login page, for tests that are not about the login UI: the session
 * the login page would make for the user (the tenant's lifetimes, the user's connection, authenticated now),
 * so /authorize then answers without a login, as after a real one, and a logout ends it. The answer carries
 * the cookies the browser would hold, to add to a browser context.
 */
import Keygrip from 'keygrip';
import { RequestError } from '../errors.js';
import { lookupUser, type Tenant } from '../model/tenant.js';
import type { Sessions } from '../store/sessions.js';

export interface StartSessionOptions {
  /** The tenant; optional when the config has one tenant (or a default one). */
  tenant?: string;
  /** The user: user_id, email or username. */
  user: string;
  /** Where to look the user up (default: every connection, the Default Directory first). */
  connection?: string;
  /**
   * The issuer the browser reaches the tenant at (the cookies are for its host and path): default, the
   * tenant's issuer at the emulator's URL. Give `http://localhost:4400/` when the app's Auth0 domain is
   * `localhost:4400`: cookies for 127.0.0.1 are not sent to localhost.
   */
  issuer?: string;
}

/** The session cookie's name (Auth0's); http/session-cookie.ts sets it on browsers. */
export const SESSION_COOKIE = 'auth0';

/** A cookie as a browser automation tool takes it (Playwright's `context.addCookies`, Puppeteer's `setCookie`). */
export interface BrowserCookie {
  readonly name: string;
  readonly value: string;
  readonly domain: string;
  readonly path: string;
  readonly httpOnly: true;
  readonly secure: boolean;
  readonly sameSite: 'Lax' | 'None';
}

export interface StartedSession {
  /** The session's id: the `sid` of the ID tokens issued in it. */
  readonly sessionId: string;
  /** `auth0` and its signature `auth0.sig`, for the browser. */
  readonly cookies: BrowserCookie[];
}

/** A session that cannot be started as asked (an unknown tenant or user, a blocked user): 400 on the control plane. */
export class SessionError extends RequestError {
  constructor(message: string) {
    super(400, 'invalid_request', message);
  }
}

/** Starts the session; resolves once it is durable. `cookieKeys` sign the cookie (koa's app.keys). */
export async function startSession(env: { tenant: Tenant; issuer: string; sessions: Sessions; now(): number }, cookieKeys: readonly string[], options: StartSessionOptions): Promise<StartedSession> {
  const { tenant } = env;
  if (typeof options.user !== 'string' || options.user === '') throw new SessionError('Missing required parameter: user');
  if (options.issuer !== undefined && !(/^https?:\/\/[^/]/.test(options.issuer) && URL.canParse(options.issuer))) throw new SessionError(`issuer must be an http(s) URL, such as http://localhost:4400/ (got "${options.issuer}").`);
  const user = lookupUser(tenant, options.user, options.connection);
  if (!user) throw new SessionError(`No user "${options.user}" in tenant "${tenant.name}"${options.connection ? ` (connection ${options.connection})` : ''}.`);
  if (user.blocked) throw new SessionError(`The user "${options.user}" is blocked: the login page would refuse them.`);
  const now = env.now();
  const record = { tenant: tenant.name, userId: user.userId, connection: user.connection, authTime: now };
  const sessionId = await env.sessions.start(record, now, { absolute: tenant.sessionLifetime, idle: tenant.idleSessionLifetime });
  return { sessionId, cookies: browserCookies(env.issuer, sessionId, cookieKeys) };
}

/**
 * The cookies as http/session-cookie.ts sets them at this issuer: `auth0` and its signature `auth0.sig` (koa's
 * cookies sign `name=value` with keygrip and the app's keys), for the issuer's host and path. Without an
 * expiry: they last the browser session.
 */
function browserCookies(issuer: string, sessionId: string, keys: readonly string[]): BrowserCookie[] {
  const url = new URL(issuer);
  const secure = url.protocol === 'https:';
  const common = { domain: url.hostname, path: url.pathname, httpOnly: true, secure, sameSite: secure ? 'None' : 'Lax' } as const;
  const signature = new Keygrip([...keys]).sign(`${SESSION_COOKIE}=${sessionId}`);
  return [
    { name: SESSION_COOKIE, value: sessionId, ...common },
    { name: `${SESSION_COOKIE}.sig`, value: signature, ...common },
  ];
}

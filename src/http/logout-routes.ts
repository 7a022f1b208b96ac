/**
 * The logout endpoints (`/v2/logout`, `/oidc/logout`): they read the request, let the koa-free logout
 * (src/logout/) decide, then end the browser's session, clear its cookie and redirect (or show the
 * logged-out page). A refused logout is Auth0's error page (render-error.ts) and changes nothing.
 */
import type { Context } from 'koa';
import type { TenantEnv } from '../endpoints/token.js';
import type { LogoutOutcome } from '../logout/logout-url.js';
import { oidcLogout } from '../logout/oidc-logout.js';
import { v2Logout } from '../logout/v2-logout.js';
import type { Tenant } from '../model/tenant.js';
import { InvalidRequest } from '../oauth/errors.js';
import { toParams, type Params } from '../oauth/params.js';
import { readParams } from './body.js';
import type { Handlers } from './koa-routes.js';
import { clearSessionCookie, readSessionCookie } from './session-cookie.js';
import type { TenantState } from './tenant.js';

export interface LogoutDeps {
  env(tenant: Tenant, issuer: string): TenantEnv;
}

const PAGE_HEADERS = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'X-Frame-Options': 'deny',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
};

/** The query string as Params; a repeated parameter is refused, as in a form body. */
function queryParams(ctx: Context): Params {
  const query = new URLSearchParams(ctx.querystring);
  const seen = new Set<string>();
  for (const key of query.keys()) {
    if (seen.has(key)) throw new InvalidRequest(`Parameter must not be repeated: ${key}`);
    seen.add(key);
  }
  return toParams(query.entries(), new Set());
}

/** Ends the session the browser's cookie names (if any is still there) and clears the cookie. */
async function endSession(ctx: Context, env: TenantEnv): Promise<void> {
  const id = readSessionCookie(ctx);
  if (id !== undefined) await env.sessions.end(id);
  clearSessionCookie(ctx, env.issuer);
}

/**
 * The return URL as the app sent it (koa's ctx.redirect would rewrite it), with what a header cannot carry
 * (control characters, spaces, non-ASCII) percent-encoded as UTF-8.
 */
function location(url: string): string {
  return url.replace(/[^\x21-\x7e]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

async function answer(ctx: Context, outcome: LogoutOutcome, tenant: Tenant): Promise<void> {
  ctx.set(PAGE_HEADERS);
  if ('redirect' in outcome) {
    ctx.status = 302;
    ctx.set('Location', location(outcome.redirect));
    return;
  }
  const { loggedOutPage } = await import('./views/logged-out-page.js');
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = loggedOutPage(tenant.friendlyName);
}

export function logoutRoutes(deps: LogoutDeps): Pick<Handlers<'tenant'>, 'logout' | 'oidc-logout'> {
  return {
    logout: async (ctx) => {
      const { tenant, issuer } = ctx.state as TenantState;
      const { outcome, clientId } = v2Logout(tenant, queryParams(ctx));
      if (clientId !== undefined) ctx.state.client = clientId;
      await endSession(ctx, deps.env(tenant, issuer));
      await answer(ctx, outcome, tenant);
    },
    'oidc-logout': async (ctx) => {
      const { tenant, issuer } = ctx.state as TenantState;
      const env = deps.env(tenant, issuer);
      const { outcome, clientId } = await oidcLogout(env, ctx.method === 'POST' ? await readParams(ctx) : queryParams(ctx));
      if (clientId !== undefined) ctx.state.client = clientId;
      await endSession(ctx, env);
      await answer(ctx, outcome, tenant);
    },
  };
}

/**
 * CORS for browser apps (auth0-spa-js calls /oauth/token, /oauth/revoke and /userinfo with fetch).
 * - /oauth/token and /oauth/revoke follow the client's origins, as Auth0 does (browser flows reference §5.4): a
 *   POST's `Access-Control-Allow-Origin` echoes the Origin only when the request's client allows it (its Allowed
 *   Web Origins, Allowed Origins (CORS) and callbacks' origins: url-match.ts), and the endpoints refuse the
 *   others (oauth/client-auth.ts checkBrowserOrigin). A preflight carries no body, so its client is unknown: it
 *   is granted to any origin, and the POST that follows is checked.
 * - NOTE(emulator): other endpoints (/userinfo, the well-known documents) allow any origin; Auth0 allows the
 *   client's Allowed Web Origins, which the emulator cannot tell from a bearer token without opening it.
 * No credentials (these endpoints use no cookies), and never the control plane: a web page the developer
 * happens to have open must not be able to mint tokens or change users through it.
 */
import type { Context, Next } from 'koa';
import type { Tenant } from '../model/tenant.js';
import { corsOriginAllowed } from '../oauth/url-match.js';
import { isControlPath } from './control-path.js';

/** The headers of a CORS answer outside the control plane (none without an Origin). */
export function corsHeaders(origin: string | undefined): Record<string, string> {
  return origin ? { Vary: 'Origin', 'Access-Control-Allow-Origin': origin } : {};
}

/**
 * The CORS headers of a POST to /oauth/token or /oauth/revoke, once the request's client is known (or not):
 * the Origin is allowed only when it is one of the client's.
 * NOTE(emulator): Auth0's exact CORS headers are not confirmed (reference §11.13). A request whose client is not
 * known (no client_id, an unknown one, a body that could not be read) gets no `Access-Control-Allow-Origin`.
 */
export function clientCorsHeaders(tenant: Tenant, origin: string | undefined, clientId: string | undefined): Record<string, string> {
  if (!origin) return {};
  const client = clientId === undefined ? undefined : tenant.clients.get(clientId);
  return client !== undefined && corsOriginAllowed(client, origin) ? corsHeaders(origin) : { Vary: 'Origin' };
}

/** The endpoints whose CORS follows the client (paths under a tenant). */
const CLIENT_CORS_PATHS = ['/oauth/token', '/oauth/revoke'];

/** Whether a request path is one of those, at the root or under a one-segment tenant prefix. */
export function isClientCorsPath(path: string): boolean {
  return CLIENT_CORS_PATHS.some((p) => path === p || (path.endsWith(p) && path.lastIndexOf('/', path.length - p.length - 1) === 0));
}

/** What spa-js sends: `Content-Type` (form or JSON), `Auth0-Client` (its telemetry), `DPoP` (reference §5.4). */
const TOKEN_REQUEST_HEADERS = 'Content-Type, Auth0-Client, DPoP';

export async function cors(ctx: Context, next: Next): Promise<void> {
  const origin = ctx.get('Origin');
  if (!origin || isControlPath(ctx.path)) return next();
  const preflight = ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method') !== '';
  if (isClientCorsPath(ctx.path)) {
    // The other requests' headers are set by their routes, once the client is known (clientCorsHeaders).
    if (!preflight) return next();
    ctx.set({ ...corsHeaders(origin), 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': TOKEN_REQUEST_HEADERS, 'Access-Control-Max-Age': '600' });
    ctx.status = 204;
    return;
  }
  ctx.set(corsHeaders(origin));
  if (preflight) {
    ctx.set('Access-Control-Allow-Methods', 'GET, POST');
    const headers = ctx.get('Access-Control-Request-Headers');
    if (headers) ctx.set('Access-Control-Allow-Headers', headers);
    ctx.set('Access-Control-Max-Age', '600');
    ctx.status = 204;
    return;
  }
  return next();
}

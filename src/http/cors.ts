/**
 * CORS for browser apps (auth0-spa-js calls /oauth/token and /userinfo with fetch).
 * NOTE(emulator): Auth0 allows only the client's Allowed Web Origins; the emulator allows any origin,
 * because a local tool should not fail on a port number the developer's dev server happened to pick.
 * No credentials (these endpoints use no cookies), and never the control plane: a web page the developer
 * happens to have open must not be able to mint tokens or change users through it.
 */
import type { Context, Next } from 'koa';
import { isControlPath } from './control-path.js';

/** The headers of a CORS answer outside the control plane (none without an Origin). */
export function corsHeaders(origin: string | undefined): Record<string, string> {
  return origin ? { Vary: 'Origin', 'Access-Control-Allow-Origin': origin } : {};
}

export async function cors(ctx: Context, next: Next): Promise<void> {
  const origin = ctx.get('Origin');
  if (!origin || isControlPath(ctx.path)) return next();
  ctx.set(corsHeaders(origin));
  if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method')) {
    ctx.set('Access-Control-Allow-Methods', 'GET, POST');
    const headers = ctx.get('Access-Control-Request-Headers');
    if (headers) ctx.set('Access-Control-Allow-Headers', headers);
    ctx.set('Access-Control-Max-Age', '600');
    ctx.status = 204;
    return;
  }
  return next();
}

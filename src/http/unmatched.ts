import type { Context } from 'koa';
import { MethodNotAllowed, NotFound } from '../oauth/errors.js';

/**
 * After a router ran: a known path with the wrong method (405, or 501 for a method the router does not know)
 * becomes 405 with `Allow`; an unknown path becomes 404. Both in the caller's error shape.
 */
export function throwIfUnmatched(
  ctx: Context,
  notFound: (ctx: Context) => Error = (c) => new NotFound(`Not found: ${c.method} ${c.path}`),
  notAllowed: (allow: string[]) => Error = (allow) => new MethodNotAllowed(allow),
): void {
  if (ctx.status === 405 || ctx.status === 501) {
    const allow = ctx.response.get('Allow');
    ctx.remove('Allow');
    if (allow) throw notAllowed(allow.split(/,\s*/));
    throw notFound(ctx);
  }
  // NOTE(emulator): Auth0's body for an unknown path is not documented; ours names the request.
  if (ctx.status === 404 && ctx.body == null) throw notFound(ctx);
}

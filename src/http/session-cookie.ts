/**
 * The session cookie: Auth0's `auth0` cookie, here one per tenant, naming a Session of the store
 * (store/sessions.ts), signed with koa's keys (`auth0.sig`). Scoped to the tenant's issuer path, so that the
 * path-form tenants of one host (`/dev/`, `/staging/`) keep apart; a host-form tenant (`dev.localhost`) is a
 * host of its own.
 *
 * NOTE(emulator): Auth0 sets `SameSite=None; Secure` (reference §5.1), which a browser refuses over plain
 * http on hosts other than localhost; over http the cookie is `SameSite=Lax` without `Secure`: an app at
 * http://localhost:3000 and the emulator at http://localhost:4400 are same-site, so silent authentication
 * in an iframe still sends it. Over https it is `SameSite=None; Secure`, as Auth0's.
 */
import type { Context } from 'koa';

export const SESSION_COOKIE = 'auth0';

function options(ctx: Context, issuer: string) {
  const secure = ctx.protocol === 'https';
  return { path: new URL(issuer).pathname, httpOnly: true, signed: true, overwrite: true, secure, sameSite: secure ? ('none' as const) : ('lax' as const) };
}

/** The session id the browser sent, if its signature holds. */
export function readSessionCookie(ctx: Context): string | undefined {
  return ctx.cookies.get(SESSION_COOKIE, { signed: true }) || undefined;
}

/** Sets the cookie to a session; `maxAge` (ms) makes it persistent, else it lasts the browser session. */
export function setSessionCookie(ctx: Context, issuer: string, sessionId: string, maxAge?: number): void {
  ctx.cookies.set(SESSION_COOKIE, sessionId, { ...options(ctx, issuer), ...(maxAge === undefined ? {} : { maxAge }) });
}

export function clearSessionCookie(ctx: Context, issuer: string): void {
  ctx.cookies.set(SESSION_COOKIE, null, options(ctx, issuer));
}

/**
 * `GET|POST <issuer>oidc/logout`, OpenID Connect RP-initiated logout (browser flows reference §6.2):
 * `id_token_hint` names the client (its `aud`) and the session (its `sid`); `client_id` must agree with it,
 * and `logout_hint` with its `sid`. `post_logout_redirect_uri` must be among the client's Allowed Logout URLs
 * (the tenant's when no client is named), compared whole, query included; `state` goes back with it.
 * The caller ends the browser's session once this has said yes.
 */
import type { Tenant } from '../model/tenant.js';
import { InvalidRequest } from '../oauth/errors.js';
import type { Params } from '../oauth/params.js';
import type { TenantKey } from '../tokens/key-store.js';
import { verifyIdTokenHint } from './id-token-hint.js';
import { given, logoutClient, logoutDestination, type LogoutOutcome } from './logout-url.js';

export interface OidcLogout {
  readonly outcome: LogoutOutcome;
  readonly clientId: string | undefined;
}

// NOTE(emulator): Auth0 asks the user to confirm a logout that names no session, or another one than the
// browser's (a tenant setting); the emulator never asks: it ends the browser's session. `federated` and
// `ui_locales` change nothing. Errors are Auth0's error page with 400 `invalid_request` (reference §11 #9).
export async function oidcLogout(env: { tenant: Tenant; key: TenantKey; issuer: string }, params: Params): Promise<OidcLogout> {
  const { tenant } = env;
  const token = given(params.id_token_hint);
  const hint = token === undefined ? undefined : await verifyIdTokenHint(tenant, env.key, env.issuer, token);
  const clientId = given(params.client_id);
  if (clientId !== undefined) {
    logoutClient(tenant, clientId);
    if (hint && hint.clientId !== clientId) throw new InvalidRequest(`The client_id "${clientId}" does not match the audience of the id_token_hint ("${hint.clientId}")`);
  }
  const logoutHint = given(params.logout_hint);
  if (hint && logoutHint !== undefined && logoutHint !== hint.sid) throw new InvalidRequest('The logout_hint does not match the sid of the id_token_hint');
  const named = hint?.clientId ?? clientId;
  // NOTE(emulator): Auth0 checks against the tenant's list when only a logout_hint names the session; with
  // neither hint nor client_id it is not documented: the tenant's list too.
  const client = named === undefined ? undefined : tenant.clients.get(named);
  const outcome = logoutDestination(tenant, client, given(params.post_logout_redirect_uri), 'post_logout_redirect_uri');
  const state = given(params.state);
  if (state === undefined || !('redirect' in outcome)) return { outcome, clientId: named };
  return { outcome: { redirect: withState(outcome.redirect, state) }, clientId: named };
}

/** The URL with `state` added to its query (before any fragment), as the RP sent it. */
function withState(url: string, state: string): string {
  const hash = url.indexOf('#');
  const [base, fragment] = hash === -1 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}state=${encodeURIComponent(state)}${fragment}`;
}

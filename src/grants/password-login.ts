/**
 * The shared body of the `password` and password-realm grants: find the connection, check the
 * credentials, decide scopes, issue tokens. Order of checks follows reference §3: parameters →
 * connection → audience → brute-force block → credentials → blocked.
 */
import type { Api, Client, Connection, Tenant } from '../model/tenant.js';
import type { User } from '../model/user.js';
import { InvalidGrant, InvalidRequest, Unauthorized } from '../oauth/errors.js';
import { requireParams, splitScope } from '../oauth/params.js';
import { passwordGrantScopes, rbacScopes } from '../oauth/scopes.js';
import { offlineAccessAllowed, resolveAudience } from './audience.js';
import { checkGuardedCredentials } from './brute-force.js';
import { issueUserTokens, type ExchangeFlow } from './issue-tokens.js';
import type { GrantContext, TokenResponse } from './types.js';

/** Both password grants, and minting for a user: Auth0's `oauth2-password` protocol, with its hook. */
export const PASSWORD_FLOW: ExchangeFlow = {
  protocol: 'oauth2-password',
  interactive: false,
  authentication: [{ name: 'pwd' }],
  passwordExchange: true,
  countsAsLogin: true,
  gty: 'password',
};

/** What both password grants read (password-realm adds `realm`). */
export const PASSWORD_LOGIN_PARAMETERS = ['username', 'password', 'audience', 'scope'] as const;

/**
 * The scopes a password login grants: see passwordGrantScopes; `offline_access` only when the client may have
 * refresh tokens and the API allows them; under RBAC only the user's permissions of the API's scopes.
 */
export function userLoginScopes(tenant: Tenant, client: Client, user: User, api: Api | undefined, requestedScopes: readonly string[]): string[] {
  return rbacScopes(passwordGrantScopes(requestedScopes, api?.scopes, offlineAccessAllowed(client, api)), tenant, user.userId, api);
}

export async function passwordLogin(ctx: GrantContext, connection: Connection): Promise<TokenResponse> {
  const { client, params } = ctx;
  const { username, password } = requireParams(params, 'username', 'password');

  if (connection.enabledClients && !connection.enabledClients.has(client.clientId)) {
    // NOTE(emulator): Auth0's wording for a connection not enabled for the client on /oauth/token is not
    // confirmed; this is the legacy /oauth/ro text.
    throw new InvalidRequest('the connection was disabled', { logDetail: `connection ${connection.name} is not enabled for ${client.clientId}` });
  }
  const api = resolveAudience(ctx.tenant, params);

  const checked = await checkGuardedCredentials(ctx.tenant, ctx.loginFailures, ctx.request.ip, connection, username, password);
  if (!checked.user) throw new InvalidGrant('Wrong email or password.', { logDetail: checked.why });
  const { user } = checked;
  // NOTE(emulator): Auth0 documents 401 unauthorized "user is blocked" for the resource-owner endpoint;
  // the /oauth/token status is not confirmed (reference §13.3).
  if (user.blocked) throw new Unauthorized('user is blocked', { logDetail: `${user.email} is blocked` });

  const requestedScopes = splitScope(params.scope);
  const scopes = userLoginScopes(ctx.tenant, client, user, api, requestedScopes);
  return issueUserTokens(ctx, {
    flow: PASSWORD_FLOW,
    user,
    connection,
    api,
    scopes,
    requestedScopes,
    refresh: { issue: scopes.includes('offline_access') },
    alwaysReturnScope: false,
  });
}

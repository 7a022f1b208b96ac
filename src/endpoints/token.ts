/**
 * The /oauth/token exchange, free of HTTP: grant lookup → client lookup → grant allowed for the client →
 * client authentication → the grant itself (reference §3, "suggested order of checks").
 */
import { UnauthorizedClient, UnsupportedGrantType, InvalidRequest } from '../oauth/errors.js';
import { authenticateClient, checkBrowserOrigin, CLIENT_CREDENTIAL_PARAMETERS, findClient, readClientCredentials } from '../oauth/client-auth.js';
import type { Params } from '../oauth/params.js';
import { grants } from '../grants/registry.js';
import type { GrantContext, TokenResponse } from '../grants/types.js';
import type { RequestInfo } from '../model/request-info.js';

export type TenantEnv = Omit<GrantContext, 'client' | 'params' | 'request'>;

/** The token endpoint's own parameters; each grant declares those it reads (Grant.parameters). */
export const TOKEN_PARAMETERS = ['grant_type', ...CLIENT_CREDENTIAL_PARAMETERS] as const;

/** What the request log shows about a token request, filled in as far as the exchange got. */
export interface ExchangeNote {
  grant?: string;
  /** The client, once known to exist (also when the request then fails). */
  client?: string;
  /** The user the tokens were issued to (user grants that succeeded). */
  user?: string;
}

/**
 * `origin`: the request's Origin header (a browser's call), which must be one of the client's (see
 * checkBrowserOrigin).
 */
export async function exchange(env: TenantEnv, params: Params, authorization: string | undefined, request: RequestInfo, note: ExchangeNote = {}, origin?: string): Promise<TokenResponse> {
  if (params.client_id !== undefined && env.tenant.clients.has(params.client_id)) note.client = params.client_id;
  const grantType = params.grant_type;
  if (!grantType) throw new InvalidRequest('Missing required parameter: grant_type');
  const grant = grants.get(grantType);
  // NOTE(emulator): Auth0's exact text for an unknown grant type is not confirmed (reference §13.2).
  if (!grant) throw new UnsupportedGrantType(`Unsupported grant type: ${grantType}`);
  note.grant = grantType;

  const credentials = readClientCredentials(params, authorization);
  const client = findClient(env.tenant, credentials);
  note.client = client.clientId;
  if (!client.grantTypes.has(grantType)) {
    throw new UnauthorizedClient(`Grant type '${grantType}' not allowed for the client.`, {
      extra: { error_uri: 'https://auth0.com/docs/clients/client-grant-types' },
    });
  }
  authenticateClient(client, credentials, grant.secretRequired);
  checkBrowserOrigin(client, origin);
  const outcome: { userId?: string } = {};
  const response = await grant.handle({ ...env, client, params, request, outcome });
  if (outcome.userId !== undefined) note.user = outcome.userId;
  return response;
}

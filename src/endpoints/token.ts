/**
 * The /oauth/token exchange, free of HTTP: grant lookup → client lookup → grant allowed for the client →
 * client authentication → the grant itself (reference §3, "suggested order of checks").
 */
import { UnauthorizedClient, UnsupportedGrantType, InvalidRequest } from '../oauth/errors.js';
import { authenticateClient, findClient, readClientCredentials } from '../oauth/client-auth.js';
import type { Params } from '../oauth/params.js';
import { grants } from '../grants/registry.js';
import type { GrantContext, RequestInfo, TokenResponse } from '../grants/types.js';

export type TenantEnv = Omit<GrantContext, 'client' | 'params' | 'request'>;

export interface ExchangeResult {
  response: TokenResponse;
  clientId: string;
  /** The user the tokens were issued to (user grants). */
  userId: string | undefined;
}

export async function exchange(env: TenantEnv, params: Params, authorization: string | undefined, request: RequestInfo): Promise<ExchangeResult> {
  const grantType = params.grant_type;
  if (!grantType) throw new InvalidRequest('Missing required parameter: grant_type');
  const grant = grants.get(grantType);
  // NOTE(emulator): Auth0's exact text for an unknown grant type is not confirmed (reference §13.2).
  if (!grant) throw new UnsupportedGrantType(`Unsupported grant type: ${grantType}`);

  const credentials = readClientCredentials(params, authorization);
  const client = findClient(env.tenant, credentials);
  if (!client.grantTypes.has(grantType)) {
    throw new UnauthorizedClient(`Grant type '${grantType}' not allowed for the client.`, {
      extra: { error_uri: 'https://auth0.com/docs/clients/client-grant-types' },
    });
  }
  authenticateClient(client, credentials, grant.secretRequired);
  const outcome: { userId?: string } = {};
  const response = await grant.handle({ ...env, client, params, request, outcome });
  return { response, clientId: client.clientId, userId: outcome.userId };
}

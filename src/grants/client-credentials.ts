/**
 * `grant_type=client_credentials`: a machine-to-machine token. Scopes come from the client grant for the
 * audience, narrowed by `scope`; `scope` is always in the response; never an ID or refresh token.
 */
import { grantKey } from '../model/tenant.js';
import { AccessDenied } from '../oauth/errors.js';
import { splitScope } from '../oauth/params.js';
import { clientCredentialsScopes } from '../oauth/scopes.js';
import { runClientExtensions } from '../extensions/run-client-extensions.js';
import { releasedClaims } from '../tokens/claims.js';
import { isManagementAudience, managementGrant } from '../management/api.js';
import { resolveAudience } from './audience.js';
import type { Api } from '../model/tenant.js';
import type { Grant, GrantContext, TokenResponse } from './types.js';

export interface ClientTokenOptions {
  lifetime?: number;
  issuedAt?: number;
  notBefore?: number;
}

/** Runs the credentials-exchange extensions and signs the M2M token (also used by minting). */
export async function issueClientToken(ctx: GrantContext, api: Api, scopes: readonly string[], requested: readonly string[], options: ClientTokenOptions = {}): Promise<TokenResponse> {
  const { client, issuer } = ctx;
  const draft = await runClientExtensions(ctx.extensions, ctx, api, scopes, requested);
  const scope = draft.scopes.join(' ');
  const iat = options.issuedAt ?? ctx.now();
  const lifetime = options.lifetime ?? api.tokenLifetime;
  // Claim order of a real Auth0 client-credentials token (reference §5.2).
  const claims = {
    iss: issuer,
    sub: `${client.clientId}@clients`,
    aud: api.identifier,
    iat,
    exp: iat + lifetime,
    ...(options.notBefore === undefined ? {} : { nbf: options.notBefore }),
    azp: client.clientId,
    scope,
    gty: 'client-credentials',
    ...releasedClaims(draft.accessToken, draft.scopes),
  };
  const accessToken = await (api.hsSigner ?? ctx.key.signer).sign(claims);
  return { access_token: accessToken, scope, expires_in: lifetime, token_type: 'Bearer' };
}

export const clientCredentialsGrant: Grant = {
  grantType: 'client_credentials',
  secretRequired: true,
  parameters: ['audience', 'scope'],
  async handle(ctx) {
    const { tenant, client, params } = ctx;
    const api = resolveAudience(tenant, params, ctx.issuer);
    // Seen on real tenants when neither `audience` nor a default audience is given.
    if (!api) throw new AccessDenied('Non-global clients are not allowed access to APIv1');
    const grantScopes = tenant.clientGrants.get(grantKey(client.clientId, api.identifier)) ?? (isManagementAudience(api.identifier, tenant.apis) ? managementGrant(tenant, client.clientId) : undefined);
    if (!grantScopes) {
      throw new AccessDenied(
        `Client is not authorized to access "${api.identifier}". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`,
      );
    }
    const requested = splitScope(params.scope);
    return issueClientToken(ctx, api, clientCredentialsScopes(requested, grantScopes), requested);
  },
};

import { managementApi } from '../management/api.js';
import type { Api, Client, Tenant } from '../model/tenant.js';
import { AccessDenied } from '../oauth/errors.js';
import type { Params } from '../oauth/params.js';

/**
 * The API a token is for: `audience`, else the tenant's `default_audience`, else none (an opaque token for
 * /userinfo). An audience that names no API is Auth0's 403 "Service not found: <audience>".
 */
export function resolveAudience(tenant: Tenant, params: Params, issuer?: string): Api | undefined {
  const audience = params.audience || tenant.defaultAudience;
  if (audience === undefined) return undefined;
  const api = tenant.apis.get(audience);
  if (api) return api;
  // The Management API, for client credentials (`issuer` is passed only there).
  // NOTE(emulator): user flows cannot get Management API tokens here.
  if (issuer !== undefined && audience === `${issuer}api/v2/`) return managementApi(issuer);
  throw new AccessDenied(`Service not found: ${audience}`);
}

/**
 * Whether a login may get a refresh token (`offline_access` survives): the client has the refresh_token grant
 * and the API, if any, allows offline access (reference, "Refresh token issuance rules").
 */
export function offlineAccessAllowed(client: Client, api: Api | undefined): boolean {
  return client.grantTypes.has('refresh_token') && (api === undefined || api.allowOfflineAccess);
}

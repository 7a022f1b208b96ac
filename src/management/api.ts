/**
 * The Auth0 Management API as a resource server of every tenant: audience `<issuer>api/v2/`, RS256, with
 * the Management API's scopes. Client grants name it by any audience ending in `/api/v2/`, because the
 * issuer depends on the URL the tenant is reached at (NOTE(emulator): Auth0 has one fixed domain).
 */
import type { Api, Tenant } from '../model/tenant.js';

export const MANAGEMENT_SCOPES = [
  'read:users', 'create:users', 'update:users', 'delete:users', 'update:users_app_metadata',
  'read:clients', 'create:clients', 'update:clients', 'delete:clients', 'read:client_keys', 'update:client_keys',
  'read:client_grants', 'create:client_grants', 'update:client_grants', 'delete:client_grants',
] as const;

/**
 * Whether a client grant's audience names the Management API: it ends in `/api/v2/` and is not the identifier
 * of one of the tenant's own APIs (`https://myapp.example/api/v2/` may well be the user's API).
 */
export const isManagementAudience = (audience: string, ownApis: { has(identifier: string): boolean }) => audience.endsWith('/api/v2/') && !ownApis.has(audience);

export function managementApi(issuer: string): Api {
  return {
    identifier: `${issuer}api/v2/`,
    name: 'Auth0 Management API',
    scopes: MANAGEMENT_SCOPES,
    allowOfflineAccess: false,
    tokenLifetime: 86_400,
    signingAlg: 'RS256',
    hsSigner: undefined,
    enforcePolicies: false,
    tokenDialect: 'access_token',
  };
}

/** The scopes of the client's grant for the Management API, whatever issuer it was written with. */
export function managementGrant(tenant: Tenant, clientId: string): readonly string[] | undefined {
  for (const [key, scopes] of tenant.clientGrants) {
    const [id, audience] = key.split('\n') as [string, string];
    if (id === clientId && isManagementAudience(audience, tenant.apis)) return scopes;
  }
  return undefined;
}

/**
 * Scope rules (reference §4 and seed 003):
 * - password grants: no API scope requested → every scope of the API; `openid` alone among the OIDC
 *   scopes → `openid profile email address phone`; scopes the API does not define are dropped;
 * - the browser login: what was asked for, of the OIDC scopes and of the API's (no expansion: nothing is
 *   granted beyond the request, as Auth0's /authorize without RBAC);
 * - `offline_access` survives only when a refresh token may be issued;
 * - client credentials: the client grant's scopes, narrowed by a `scope` parameter;
 * - RBAC (`enforce_policies`): user flows keep, of the API's scopes, only the user's permissions (rbacScopes).
 */
import { enforcedPermissions } from '../model/rbac.js';
import type { Api } from '../model/tenant.js';
import { AccessDenied } from './errors.js';

type RbacTenant = Parameters<typeof enforcedPermissions>[0];

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'address', 'phone'] as const;
/** Claim names Auth0 also accepts as scopes (discovery `scopes_supported`). */
export const CLAIM_SCOPES = ['name', 'given_name', 'family_name', 'nickname', 'email_verified', 'picture', 'created_at', 'identities'] as const;

const OIDC_SET = new Set<string>([...OIDC_SCOPES, ...CLAIM_SCOPES]);

export function passwordGrantScopes(requested: readonly string[], apiScopes: readonly string[] | undefined, offlineAllowed: boolean): string[] {
  const granted: string[] = [];
  const apiSet = new Set(apiScopes ?? []);
  const expandOpenid = requested.includes('openid') && !requested.some((s) => s !== 'openid' && (OIDC_SCOPES as readonly string[]).includes(s));
  let apiRequested = false;
  for (const scope of requested) {
    if (OIDC_SET.has(scope)) {
      granted.push(scope);
      if (scope === 'openid' && expandOpenid) granted.push('profile', 'email', 'address', 'phone');
    } else if (scope === 'offline_access') {
      if (offlineAllowed) granted.push(scope);
    } else if (apiSet.has(scope)) {
      granted.push(scope);
      apiRequested = true;
    }
  }
  // A password is full trust: when no API scope was asked for, every scope of the API is granted.
  if (!apiRequested && apiScopes) granted.push(...apiScopes);
  return [...new Set(granted)];
}

export function browserLoginScopes(requested: readonly string[], apiScopes: readonly string[] | undefined, offlineAllowed: boolean): string[] {
  const apiSet = new Set(apiScopes ?? []);
  // NOTE(emulator): scopes the API does not define are dropped, as on the password grants.
  return [...new Set(requested.filter((s) => OIDC_SET.has(s) || apiSet.has(s) || (s === 'offline_access' && offlineAllowed)))];
}

/**
 * Auth0's RBAC rule: "the scope claim includes an intersection of the requested permissions and the permissions
 * assigned to the user" (docs: Enable Role-Based Access Control for APIs), the user's being enforcedPermissions'
 * (nothing changes when the API does not enforce RBAC). OIDC scopes and `offline_access` are not permissions and stay.
 * NOTE(emulator): on the password grants, "no API scope requested → every scope of the API" becomes, after
 * the intersection, every permission the user has for the API; Auth0 documents the two rules only apart.
 */
export function rbacScopes(scopes: readonly string[], tenant: RbacTenant, userId: string, api: Api | undefined): string[] {
  const permissions = enforcedPermissions(tenant, userId, api);
  if (permissions === undefined) return [...scopes];
  const apiSet = new Set(api!.scopes);
  return scopes.filter((s) => !apiSet.has(s) || permissions.includes(s));
}

export function clientCredentialsScopes(requested: readonly string[], grantScopes: readonly string[]): string[] {
  if (requested.length === 0) return [...grantScopes];
  const missing = requested.filter((s) => !grantScopes.includes(s));
  if (missing.length > 0) throw new AccessDenied(`Client has not been granted scopes: ${missing.join(', ')}`);
  return grantScopes.filter((s) => requested.includes(s));
}

export function sameScopes(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((s) => set.has(s));
}

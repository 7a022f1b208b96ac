/**
 * Roles and permissions (Auth0's RBAC, reference §4): each config user's role names and effective permissions
 * per API (its roles' permissions ∪ its direct ones), computed once per snapshot.
 */
import type { PermissionConfig, TenantConfig } from '../config/schema.js';

export interface Permission {
  readonly api: string;
  readonly name: string;
}

/** Reads either form: `{resource_server_identifier, permission_name}` or `"<API identifier> <permission>"`. */
export function parsePermission(p: PermissionConfig): Permission {
  if (typeof p !== 'string') return { api: p.resource_server_identifier, name: p.permission_name };
  const text = p.trim();
  const cut = text.search(/\s+\S+$/);
  return { api: text.slice(0, cut), name: text.slice(cut).trim() };
}

export interface UserAuthorization {
  /** Role names, in config order. */
  readonly roles: readonly string[];
  /** Effective permission names by API identifier. */
  readonly permissions: ReadonlyMap<string, readonly string[]>;
}

const NONE: UserAuthorization = Object.freeze({ roles: Object.freeze([]) as readonly string[], permissions: new Map() });

/** Users with roles or permissions, by user_id; a user without either is not in the map. */
export function buildAuthorizations(config: TenantConfig, userIdOf: (connection: string, email: string, userId: string | undefined) => string): ReadonlyMap<string, UserAuthorization> {
  const rolePermissions = new Map(config.roles.map((r) => [r.name, r.permissions.map(parsePermission)]));
  const result = new Map<string, UserAuthorization>();
  for (const connection of config.connections) {
    for (const user of connection.users) {
      if (!user.roles?.length && !user.permissions?.length) continue;
      const roles = [...new Set(user.roles ?? [])];
      const all = [...roles.flatMap((r) => rolePermissions.get(r) ?? []), ...(user.permissions ?? []).map(parsePermission)];
      const permissions = new Map<string, string[]>();
      for (const { api, name } of all) {
        const list = permissions.get(api) ?? [];
        if (!list.includes(name)) list.push(name);
        permissions.set(api, list);
      }
      result.set(userIdOf(connection.name, user.email, user.user_id), { roles, permissions });
    }
  }
  return result;
}

export function authorizationOf(authorizations: ReadonlyMap<string, UserAuthorization>, userId: string): UserAuthorization {
  return authorizations.get(userId) ?? NONE;
}

/**
 * The user's permissions for the API when it enforces RBAC, else undefined (no narrowing). Config users only:
 * a user added at runtime has none.
 */
export function enforcedPermissions(
  tenant: { readonly authorizations: ReadonlyMap<string, UserAuthorization> },
  userId: string,
  api: { readonly identifier: string; readonly enforcePolicies: boolean } | undefined,
): readonly string[] | undefined {
  if (!api?.enforcePolicies) return undefined;
  return authorizationOf(tenant.authorizations, userId).permissions.get(api.identifier) ?? [];
}

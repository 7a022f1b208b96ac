/**
 * Checks that span several places of the config (references and duplicates), which a per-field schema
 * cannot express. Each finding carries the path of the offending value, so the loader can give its line.
 */
import { MANAGEMENT_SCOPES, isManagementAudience } from '../management/api.js';
import { parsePermission } from '../model/rbac.js';
import { closest } from './did-you-mean.js';
import type { Config, PermissionConfig, TenantConfig } from './schema.js';

export interface ConfigIssue {
  path: (string | number)[];
  message: string;
  /** Point at the key rather than its value (unknown keys). */
  atKey?: boolean;
}

function findDuplicates<T>(items: readonly T[], key: (item: T) => string | undefined): Map<number, number> {
  // index of each repeat → index of its first occurrence
  const first = new Map<string, number>();
  const repeats = new Map<number, number>();
  items.forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    const seen = first.get(k);
    if (seen === undefined) first.set(k, i);
    else repeats.set(i, seen);
  });
  return repeats;
}

export function crossCheck(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });

  for (const [i, first] of findDuplicates(config.tenants, (t) => t.name)) {
    add(['tenants', i, 'name'], `duplicate tenant name (also tenants[${first}])`);
  }
  const defaults = config.tenants.flatMap((t, i) => (t.default ? [i] : []));
  for (const i of defaults.slice(1)) add(['tenants', i, 'default'], `only one tenant may be the default (tenants[${defaults[0]}] already is)`);

  config.tenants.forEach((tenant, t) => {
    const at = (...rest: (string | number)[]) => ['tenants', t, ...rest];
    const apis = new Set(tenant.apis.map((a) => a.identifier));
    const clients = new Set(tenant.clients.map((c) => c.client_id));
    const connections = new Set(tenant.connections.map((c) => c.name));

    for (const [i, f] of findDuplicates(tenant.apis, (a) => a.identifier)) add(at('apis', i, 'identifier'), `duplicate API identifier (also apis[${f}])`);
    for (const [i, f] of findDuplicates(tenant.clients, (c) => c.client_id)) add(at('clients', i, 'client_id'), `duplicate client_id (also clients[${f}])`);
    for (const [i, f] of findDuplicates(tenant.connections, (c) => c.name.toLowerCase())) add(at('connections', i, 'name'), `duplicate connection name (also connections[${f}])`);
    for (const [i, f] of findDuplicates(tenant.client_grants, (g) => `${g.client_id}\n${g.audience}`)) {
      add(at('client_grants', i), `duplicate client grant for this client and audience (also client_grants[${f}])`);
    }

    tenant.apis.forEach((api, i) => {
      if (api.signing_alg === 'HS256' && api.signing_secret === undefined) add(at('apis', i, 'signing_alg'), 'an HS256 API needs a `signing_secret`');
      // NOTE(emulator): Auth0's dashboard offers "Add Permissions in the Access Token" only with RBAC on; the
      // emulator refuses the dialect without it rather than silently issuing no permissions.
      if (api.token_dialect === 'access_token_authz' && !api.enforce_policies) add(at('apis', i, 'token_dialect'), 'access_token_authz needs `enforce_policies: true` (RBAC) on this API');
    });
    for (const [i, f] of findDuplicates(tenant.roles, (r) => r.name)) add(at('roles', i, 'name'), `duplicate role name (also roles[${f}])`);
    const checkPermission = (p: PermissionConfig, path: (string | number)[]) => issues.push(...permissionIssues(tenant, p, path));
    tenant.roles.forEach((role, r) => role.permissions.forEach((p, k) => checkPermission(p, at('roles', r, 'permissions', k))));
    const roleNames = tenant.roles.map((r) => r.name);
    tenant.clients.forEach((client, i) => {
      const method = client.token_endpoint_auth_method;
      const needsSecret = method === 'client_secret_post' || method === 'client_secret_basic' || (method === undefined && !['spa', 'native'].includes(client.app_type));
      if (needsSecret && client.client_secret === undefined) {
        add(at('clients', i, 'client_secret'), `expected a client_secret (token_endpoint_auth_method is ${method ?? 'client_secret_post, the default for this app_type'})`);
      }
      if (client.jwt_configuration.alg === 'HS256' && client.client_secret === undefined) {
        add(at('clients', i, 'jwt_configuration', 'alg'), 'HS256 ID tokens are signed with the client secret: set `client_secret`');
      }
    });
    tenant.client_grants.forEach((grant, i) => {
      if (!clients.has(grant.client_id)) add(at('client_grants', i, 'client_id'), `no client with client_id "${grant.client_id}" in this tenant`);
      if (isManagementAudience(grant.audience, apis)) {
        grant.scope.forEach((s, k) => {
          if (!(MANAGEMENT_SCOPES as readonly string[]).includes(s)) add(at('client_grants', i, 'scope', k), `"${s}" is not a Management API scope (${MANAGEMENT_SCOPES.join(', ')})`);
        });
        return;
      }
      if (!apis.has(grant.audience)) add(at('client_grants', i, 'audience'), `no API with identifier "${grant.audience}" in this tenant`);
      const api = tenant.apis.find((a) => a.identifier === grant.audience);
      if (api) {
        const known = new Set(api.scopes.map((s) => (typeof s === 'string' ? s : s.value)));
        grant.scope.forEach((s, k) => {
          if (!known.has(s)) add(at('client_grants', i, 'scope', k), `"${s}" is not a scope of API "${api.identifier}"`);
        });
      }
    });
    if (tenant.default_directory !== undefined && !connections.has(tenant.default_directory)) {
      add(at('default_directory'), `no connection named "${tenant.default_directory}" in this tenant`);
    }
    if (tenant.default_audience !== undefined && !apis.has(tenant.default_audience)) {
      add(at('default_audience'), `no API with identifier "${tenant.default_audience}" in this tenant`);
    }

    const userIds = new Map<string, string>();
    tenant.connections.forEach((connection, c) => {
      connection.enabled_clients?.forEach((id, k) => {
        if (!clients.has(id)) add(at('connections', c, 'enabled_clients', k), `no client with client_id "${id}" in this tenant`);
      });
      for (const [u, f] of findDuplicates(connection.users, (x) => x.email.toLowerCase())) {
        add(at('connections', c, 'users', u, 'email'), `duplicate email in connection "${connection.name}" (also users[${f}])`);
      }
      for (const [u, f] of findDuplicates(connection.users, (x) => x.username?.toLowerCase())) {
        add(at('connections', c, 'users', u, 'username'), `duplicate username in connection "${connection.name}" (also users[${f}])`);
      }
      connection.users.forEach((user, u) => {
        user.roles?.forEach((role, k) => {
          if (roleNames.includes(role)) return;
          const guess = closest(role, roleNames);
          add(at('connections', c, 'users', u, 'roles', k), `no role named "${role}" in this tenant${guess ? `; did you mean "${guess}"?` : roleNames.length ? ` (roles: ${roleNames.join(', ')})` : ' (it has no `roles`)'}`);
        });
        user.permissions?.forEach((p, k) => checkPermission(p, at('connections', c, 'users', u, 'permissions', k)));
        if (user.user_id === undefined) return;
        const here = `connections[${c}].users[${u}]`;
        const seen = userIds.get(user.user_id);
        if (seen) add(at('connections', c, 'users', u, 'user_id'), `duplicate user_id (also ${seen})`);
        else userIds.set(user.user_id, here);
      });
    });
  });
  return issues;
}

/** A permission must name an API of the tenant and one of that API's scopes (Auth0's permissions are API scopes). */
function permissionIssues(tenant: TenantConfig, p: PermissionConfig, path: (string | number)[]): ConfigIssue[] {
  const { api: identifier, name } = parsePermission(p);
  const long = typeof p !== 'string';
  const api = tenant.apis.find((a) => a.identifier === identifier);
  if (!api) {
    const guess = closest(identifier, tenant.apis.map((a) => a.identifier));
    return [{ path: long ? [...path, 'resource_server_identifier'] : path, message: `no API with identifier "${identifier}" in this tenant${guess ? `; did you mean "${guess}"?` : ''}` }];
  }
  const scopes = api.scopes.map((s) => (typeof s === 'string' ? s : s.value));
  if (scopes.includes(name)) return [];
  const guess = closest(name, scopes);
  return [{ path: long ? [...path, 'permission_name'] : path, message: `"${name}" is not a scope of API "${identifier}"${guess ? `; did you mean "${guess}"?` : ''}` }];
}

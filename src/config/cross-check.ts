/**
 * Checks that span several places of the config (references and duplicates), which a per-field schema
 * cannot express. Each finding carries the path of the offending value, so the loader can give its line.
 */
import { MANAGEMENT_SCOPES, isManagementAudience } from '../management/api.js';
import type { Config } from './schema.js';

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
    });
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

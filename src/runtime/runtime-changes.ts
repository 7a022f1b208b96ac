/**
 * Changes a test (or the Management API) makes at runtime: users added, updated, blocked or removed;
 * clients and client grants added or removed. They are kept by identity (tenant, user_id, client_id), outlive
 * config reloads, and are cleared by reset. `apply` lays them over a config snapshot without copying it.
 */
import { z } from 'zod';
import { clientGrantSchema, clientSchema, userSchema, type ClientConfig, type UserConfig } from '../config/schema.js';
import type { Snapshot } from '../model/snapshot.js';
import { buildClient, grantKey, type Client, type Connection, type Tenant } from '../model/tenant.js';
import { buildUser, stableUserId, type User } from '../model/user.js';
import { MANAGEMENT_SCOPES, isManagementAudience } from '../management/api.js';
import { RequestError } from '../errors.js';
import { OverlayMap } from './overlay-map.js';

/**
 * A runtime change (or runtime-API call) that cannot be made; `status` follows the Management API (400, 404,
 * 409). Rendered by http/render-error.ts in the dialect of the endpoint that asked.
 */
export class ChangeError extends RequestError {}

export type UserInput = z.input<typeof userSchema> & { connection: string };
export type UserPatch = Partial<Omit<z.input<typeof userSchema>, 'user_id'>>;
/** A client's settings to change; `null` in client_metadata removes that key. */
export type ClientPatch = Partial<Omit<z.input<typeof clientSchema>, 'client_id' | 'client_metadata'>> & { client_metadata?: Record<string, string | null> };

interface UserChange {
  connection: string;
  config: UserConfig;
  at: string;
}

interface TenantChanges {
  users: Map<string, UserChange | null>;
  clients: Map<string, ClientConfig | null>;
  grants: Map<string, readonly string[] | null>;
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const first = result.error.issues[0]!;
  const where = first.path.length ? `${first.path.join('.')}: ` : '';
  throw new ChangeError(400, 'invalid_body', `Payload validation error: ${where}${first.message}`);
}

export class RuntimeChanges {
  readonly #tenants = new Map<string, TenantChanges>();

  #changes(tenant: string): TenantChanges {
    let c = this.#tenants.get(tenant);
    if (!c) this.#tenants.set(tenant, (c = { users: new Map(), clients: new Map(), grants: new Map() }));
    return c;
  }

  addUser(snapshot: Snapshot, tenantName: string, input: UserInput, now: Date): User {
    const tenant = requireTenant(snapshot, tenantName);
    const { connection: connectionName, ...fields } = input;
    const connection = tenant.connections.get(connectionName);
    if (!connection) throw new ChangeError(400, 'invalid_body', `The connection does not exist: ${connectionName}`);
    const config = parse(userSchema, fields);
    const email = config.email.toLowerCase();
    const userId = config.user_id ?? stableUserId(tenant.name, connection.name, email);
    if (connection.byEmail.has(email) || tenant.usersById.has(userId) || (config.username && connection.byUsername.has(config.username.toLowerCase()))) {
      throw new ChangeError(409, 'auth0_idp_error', 'The user already exists.');
    }
    const at = now.toISOString();
    this.#changes(tenantName).users.set(userId, { connection: connection.name, config: { ...config, user_id: userId, created_at: config.created_at ?? at }, at });
    return buildUser(tenant.name, connection.name, { ...config, user_id: userId }, at);
  }

  /** Updates root attributes; metadata merges at the root level and `null` removes a key (Auth0's rule). */
  updateUser(snapshot: Snapshot, tenantName: string, userId: string, patch: UserPatch, now: Date): User {
    const tenant = requireTenant(snapshot, tenantName);
    const current = tenant.usersById.get(userId);
    if (!current) throw new ChangeError(404, 'inexistent_user', 'The user does not exist.');
    const base = this.#changes(tenantName).users.get(userId)?.config ?? { ...configOf(snapshot, tenantName, current), created_at: current.createdAt };
    const merged: Record<string, unknown> = { ...base, ...patch, user_id: userId };
    for (const key of ['app_metadata', 'user_metadata'] as const) {
      if (patch[key] === undefined) continue;
      const next: Record<string, unknown> = { ...(base[key] ?? {}) };
      for (const [k, v] of Object.entries(patch[key] ?? {})) {
        if (v === null) delete next[k];
        else next[k] = v;
      }
      merged[key] = next;
    }
    if (patch.password !== undefined) delete merged.password_hash;
    if (patch.password_hash !== undefined) delete merged.password;
    const at = now.toISOString();
    const config = parse(userSchema, { ...merged, updated_at: at });
    const connection = tenant.connections.get(current.connection)!;
    const clash = connection.byEmail.get(config.email.toLowerCase());
    if (clash && clash.userId !== userId) throw new ChangeError(409, 'auth0_idp_error', 'The specified new email already exists');
    this.#changes(tenantName).users.set(userId, { connection: current.connection, config, at });
    return buildUser(tenant.name, current.connection, config, at);
  }

  removeUser(snapshot: Snapshot, tenantName: string, userId: string): boolean {
    const tenant = requireTenant(snapshot, tenantName);
    if (!tenant.usersById.has(userId)) return false;
    this.#changes(tenantName).users.set(userId, null);
    return true;
  }

  addClient(snapshot: Snapshot, tenantName: string, input: z.input<typeof clientSchema>): Client {
    const tenant = requireTenant(snapshot, tenantName);
    const config = parse(clientSchema, input);
    if (tenant.clients.has(config.client_id)) throw new ChangeError(409, 'conflict', `A client with client_id "${config.client_id}" already exists.`);
    requireSecret(config);
    this.#changes(tenantName).clients.set(config.client_id, config);
    return buildClient(config);
  }

  /**
   * Changes a client's settings, whether it came from the config or was added at runtime. The patch replaces
   * root attributes; `client_metadata` merges key by key (`null` removes a key, as Auth0 documents for
   * application metadata), and `jwt_configuration` and `refresh_token` merge one level deep.
   * NOTE(emulator): the one-level merge of jwt_configuration and refresh_token is not confirmed for Auth0.
   */
  updateClient(snapshot: Snapshot, tenantName: string, clientId: string, patch: ClientPatch): Client {
    const tenant = requireTenant(snapshot, tenantName);
    const current = tenant.clients.get(clientId);
    if (!current) throw new ChangeError(404, 'inexistent_client', 'The client does not exist');
    const base = this.#changes(tenantName).clients.get(clientId) ?? clientConfigOf(snapshot, tenantName, clientId);
    const merged: Record<string, unknown> = { ...base, ...patch, client_id: clientId };
    if (patch.client_metadata !== undefined) {
      const next: Record<string, unknown> = { ...base.client_metadata };
      for (const [k, v] of Object.entries(patch.client_metadata ?? {})) {
        if (v === null) delete next[k];
        else next[k] = v;
      }
      merged.client_metadata = next;
    }
    for (const key of ['jwt_configuration', 'refresh_token'] as const) {
      if (patch[key] !== undefined && patch[key] !== null) merged[key] = { ...base[key], ...patch[key] };
    }
    const config = parse(clientSchema, merged);
    requireSecret(config);
    this.#changes(tenantName).clients.set(clientId, config);
    return buildClient(config);
  }

  /** Removes a client and its client grants (Auth0 deletes a client's grants with it). */
  removeClient(snapshot: Snapshot, tenantName: string, clientId: string): boolean {
    const tenant = requireTenant(snapshot, tenantName);
    if (!tenant.clients.has(clientId)) return false;
    const changes = this.#changes(tenantName);
    changes.clients.set(clientId, null);
    for (const key of tenant.clientGrants.keys()) if (key.startsWith(`${clientId}\n`)) changes.grants.set(key, null);
    return true;
  }

  addClientGrant(snapshot: Snapshot, tenantName: string, input: z.input<typeof clientGrantSchema>): { client_id: string; audience: string; scope: string[] } {
    const tenant = requireTenant(snapshot, tenantName);
    const grant = parse(clientGrantSchema, input);
    if (!tenant.clients.has(grant.client_id)) throw new ChangeError(404, 'inexistent_client', `No client with client_id "${grant.client_id}".`);
    checkGrantScopes(tenant, grant.audience, grant.scope);
    const key = grantKey(grant.client_id, grant.audience);
    if (tenant.clientGrants.has(key)) throw new ChangeError(409, 'conflict', 'A client grant for this client and audience already exists.');
    this.#changes(tenantName).grants.set(key, grant.scope);
    return { client_id: grant.client_id, audience: grant.audience, scope: [...grant.scope] };
  }

  /** Replaces a client grant's scopes; false when there is no such grant. */
  updateClientGrant(snapshot: Snapshot, tenantName: string, clientId: string, audience: string, scope: readonly string[]): boolean {
    const tenant = requireTenant(snapshot, tenantName);
    const key = grantKey(clientId, audience);
    if (!tenant.clientGrants.has(key)) return false;
    checkGrantScopes(tenant, audience, scope);
    this.#changes(tenantName).grants.set(key, [...scope]);
    return true;
  }

  removeClientGrant(snapshot: Snapshot, tenantName: string, clientId: string, audience: string): boolean {
    const tenant = requireTenant(snapshot, tenantName);
    const key = grantKey(clientId, audience);
    if (!tenant.clientGrants.has(key)) return false;
    this.#changes(tenantName).grants.set(key, null);
    return true;
  }

  reset(): void {
    this.#tenants.clear();
  }

  get empty(): boolean {
    return this.#tenants.size === 0;
  }

  /** The config snapshot with every runtime change laid over it. */
  apply(config: Snapshot): Snapshot {
    if (this.#tenants.size === 0) return config;
    const tenants = new Map(config.tenants);
    for (const [name, changes] of this.#tenants) {
      const tenant = config.tenants.get(name);
      if (tenant) tenants.set(name, overlayTenant(tenant, changes));
    }
    const rootTenant = config.rootTenant ? tenants.get(config.rootTenant.name) : undefined;
    return { ...config, tenants, rootTenant };
  }
}

function requireTenant(snapshot: Snapshot, name: string): Tenant {
  const tenant = snapshot.tenants.get(name);
  if (!tenant) throw new ChangeError(404, 'inexistent_tenant', `No tenant named "${name}".`);
  return tenant;
}

/** A confidential client (any but `none` at the token endpoint) needs a secret. */
function requireSecret(config: ClientConfig): void {
  const method = config.token_endpoint_auth_method;
  if (config.client_secret === undefined && method !== 'none' && (method !== undefined || !['spa', 'native'].includes(config.app_type))) {
    throw new ChangeError(400, 'invalid_body', 'Payload validation error: client_secret is required for a confidential client');
  }
}

/** The config entry of a client, to merge a patch into. */
function clientConfigOf(snapshot: Snapshot, tenantName: string, clientId: string): ClientConfig {
  const tenant = snapshot.config.tenants.find((t) => t.name === tenantName);
  return tenant!.clients.find((c) => c.client_id === clientId)!;
}

/**
 * The config entry of a user, to merge a patch into. Its roles and direct permissions are not user fields
 * (Auth0 assigns them by other calls): the tenant keeps them by user_id, so the changed user keeps them.
 */
function configOf(snapshot: Snapshot, tenantName: string, user: User): UserConfig {
  const tenant = snapshot.config.tenants.find((t) => t.name === tenantName);
  const found = tenant?.connections.find((c) => c.name === user.connection)?.users.find((u) => u.email.toLowerCase() === user.email);
  const { roles: _roles, permissions: _permissions, ...fields } = found!;
  return { ...fields, user_id: user.userId };
}

function overlayTenant(tenant: Tenant, changes: TenantChanges): Tenant {
  const byId = new Map<string, User | null>();
  const perConnection = new Map<string, { email: Map<string, User | null>; username: Map<string, User | null>; added: User[]; hidden: Set<string> }>();
  const slot = (name: string) => {
    let s = perConnection.get(name);
    if (!s) perConnection.set(name, (s = { email: new Map(), username: new Map(), added: [], hidden: new Set() }));
    return s;
  };
  for (const [userId, change] of changes.users) {
    const old = tenant.usersById.get(userId);
    if (old) {
      const s = slot(old.connection);
      s.email.set(old.email, null);
      if (old.username) s.username.set(old.username.toLowerCase(), null);
      s.hidden.add(userId);
    }
    if (change === null || !tenant.connections.has(change.connection)) {
      byId.set(userId, null);
      continue;
    }
    const user = buildUser(tenant.name, change.connection, change.config, change.at);
    byId.set(userId, user);
    const s = slot(change.connection);
    s.email.set(user.email, user);
    if (user.username) s.username.set(user.username.toLowerCase(), user);
    s.added.push(user);
  }
  const connections = new Map<string, Connection>();
  for (const [name, connection] of tenant.connections) {
    const s = perConnection.get(name);
    if (!s) {
      connections.set(name, connection);
      continue;
    }
    connections.set(name, {
      ...connection,
      users: [...connection.users.filter((u) => !s.hidden.has(u.userId)), ...s.added],
      byEmail: new OverlayMap(connection.byEmail, s.email),
      byUsername: new OverlayMap(connection.byUsername, s.username),
    });
  }
  const clients = new Map<string, Client | null>();
  for (const [id, config] of changes.clients) clients.set(id, config === null ? null : buildClient(config));
  return {
    ...tenant,
    connections,
    usersById: new OverlayMap(tenant.usersById, byId),
    clients: new OverlayMap(tenant.clients, clients),
    clientGrants: new OverlayMap(tenant.clientGrants, changes.grants),
  };
}

/** A client grant's audience must be an API of the tenant (or the Management API), its scopes scopes it defines (as the config's cross-check). */
function checkGrantScopes(tenant: Tenant, audience: string, scope: readonly string[]): void {
  const management = isManagementAudience(audience, tenant.apis);
  if (!tenant.apis.has(audience) && !management) throw new ChangeError(404, 'inexistent_resource_server', `No API with identifier "${audience}".`);
  const known: readonly string[] = management ? MANAGEMENT_SCOPES : (tenant.apis.get(audience)?.scopes ?? []);
  const unknown = scope.filter((s) => !known.includes(s));
  if (unknown.length > 0) throw new ChangeError(400, 'invalid_body', `Payload validation error: not scopes of ${audience}: ${unknown.join(', ')}`);
}

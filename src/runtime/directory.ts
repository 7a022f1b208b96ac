/**
 * The directory: users, clients and client grants as they are served, the config's with the runtime changes
 * laid over them (added by tests, the control plane or the Management API). The changes outlive reloads of
 * the config (configure) and are undone by reset. `tenant` may be left out where the config has one tenant
 * (or one marked default). The emulator's users/clients API and the Management API's backend.
 */
import type { ClientConfig } from '../config/schema.js';
import type { ManagementBackend } from '../management/endpoints.js';
import type { Snapshot } from '../model/snapshot.js';
import type { Client } from '../model/tenant.js';
import { toAuth0User, type Auth0User } from '../model/user-profile.js';
import type { AuthorizationCodes } from '../store/authorization-codes.js';
import type { RefreshTokens } from '../store/refresh-tokens.js';
import type { Sessions } from '../store/sessions.js';
import type { LoginFailures, UserBlock } from '../store/login-failures.js';
import type { Clock } from './clock.js';
import { ChangeError, RuntimeChanges, type ClientPatch, type UserInput, type UserPatch } from './runtime-changes.js';
import type { UserState } from './user-state.js';
import type { UserinfoClaims } from './userinfo-claims.js';

export interface DirectoryDeps {
  readonly clock: Clock;
  /** What the emulator keeps about users at runtime (logins, metadata set by Actions), shown in their profile. */
  readonly users: UserState;
  readonly userinfoClaims: UserinfoClaims;
  readonly refreshTokens: RefreshTokens;
  readonly sessions: Sessions;
  readonly authorizationCodes: AuthorizationCodes;
  readonly loginFailures: LoginFailures;
}

export class Directory implements ManagementBackend {
  readonly #deps: DirectoryDeps;
  readonly #changes = new RuntimeChanges();
  /** What the config says. */
  #config: Snapshot;
  /** What is served: the config snapshot with the runtime changes laid over it. */
  #snapshot: Snapshot;

  constructor(config: Snapshot, deps: DirectoryDeps) {
    this.#config = config;
    this.#snapshot = config;
    this.#deps = deps;
  }

  /** The snapshot served: replaced whole on every change, never mutated. */
  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  /** What the config says, without the runtime changes. */
  get config(): Snapshot {
    return this.#config;
  }

  /** The config snapshot (a reload's): the runtime changes are laid over it again. */
  configure(config: Snapshot): void {
    this.#config = config;
    this.#snapshot = this.#changes.apply(config);
  }

  /** Drops every runtime change (and what is kept about users at runtime). */
  reset(): void {
    this.#changes.reset();
    this.#deps.users.reset();
    this.#deps.userinfoClaims.clear();
    this.#snapshot = this.#config;
  }

  #changed(): void {
    this.#snapshot = this.#changes.apply(this.#config);
  }

  /** The tenant named, or the config's only (or default) one. */
  tenantName(tenant: string | undefined): string {
    if (tenant !== undefined) return tenant;
    const root = this.#snapshot.rootTenant;
    if (root) return root.name;
    throw new ChangeError(400, 'invalid_request', `Name the tenant: this config has several (${[...this.#snapshot.tenants.keys()].join(', ')}).`);
  }

  #now(): Date {
    return new Date(this.#deps.clock.now());
  }

  /** Adds a user to a connection (default: the tenant's Default Directory). Returns it as Auth0's API does. */
  addUser(input: Omit<UserInput, 'connection'> & { connection?: string; tenant?: string }): Auth0User {
    const { tenant: t, connection, ...fields } = input;
    const tenant = this.tenantName(t);
    if (!this.#snapshot.tenants.has(tenant)) throw new ChangeError(404, 'inexistent_tenant', `No tenant named "${tenant}".`);
    const conn = connection ?? this.#snapshot.tenants.get(tenant)?.defaultDirectory;
    if (conn === undefined) throw new ChangeError(400, 'invalid_request', `Name the connection: tenant ${tenant} has no default_directory.`);
    const user = this.#changes.addUser(this.#snapshot, tenant, { ...fields, connection: conn }, this.#now());
    this.#changed();
    return toAuth0User(user, this.#deps.users);
  }

  /** The user_id of a user named by user_id, email or username (unknown names pass through unchanged). */
  #userId(idOrLogin: string, tenant: string | undefined): string {
    return this.getUser(idOrLogin, tenant === undefined ? {} : { tenant })?.user_id ?? idOrLogin;
  }

  /** Changes a user's attributes; metadata merges at the root level and `null` removes a key. */
  updateUser(user: string, patch: UserPatch, options: { tenant?: string } = {}): Auth0User {
    const userId = this.#userId(user, options.tenant);
    const updated = this.#changes.updateUser(this.#snapshot, this.tenantName(options.tenant), userId, patch, this.#now());
    this.#changed();
    return toAuth0User(updated, this.#deps.users);
  }

  /**
   * Removes a user, as Auth0's `DELETE /api/v2/users/{id}` does: their sessions end, their codes are void, their brute-force blocks lifted, their
   * refresh tokens are revoked for good, also
   * if a user with the same email (and so the same user_id) is created again (resolves once that is in the
   * state folder), and what is kept about them at runtime is dropped, so such a user starts clean.
   */
  async removeUser(user: string, options: { tenant?: string } = {}): Promise<boolean> {
    const tenant = this.tenantName(options.tenant);
    const userId = this.#userId(user, options.tenant);
    if (!this.#changes.removeUser(this.#snapshot, tenant, userId)) return false;
    this.#changed();
    this.#deps.users.forget(userId);
    this.#deps.userinfoClaims.forgetUser(tenant, userId);
    await Promise.all([
      this.#deps.refreshTokens.revokeUser(tenant, userId, Math.floor(this.#deps.clock.now() / 1000)),
      this.#deps.sessions.endUser(tenant, userId),
      this.#deps.authorizationCodes.revokeUser(tenant, userId),
      this.#deps.loginFailures.unblock(tenant, { userId }),
    ]);
    return true;
  }

  /** A user by user_id, email or username, as Auth0's API returns it. */
  getUser(idOrLogin: string, options: { tenant?: string } = {}): Auth0User | undefined {
    const tenant = this.#snapshot.tenants.get(this.tenantName(options.tenant));
    if (!tenant) return undefined;
    const key = idOrLogin.toLowerCase();
    const user =
      tenant.usersById.get(idOrLogin) ??
      [...tenant.connections.values()].map((c) => c.byEmail.get(key) ?? c.byUsername.get(key)).find((u) => u !== undefined);
    return user && toAuth0User(user, this.#deps.users);
  }

  listUsers(options: { tenant?: string; connection?: string } = {}): Auth0User[] {
    const name = this.tenantName(options.tenant);
    const tenant = this.#snapshot.tenants.get(name);
    if (!tenant) throw new ChangeError(404, 'inexistent_tenant', `No tenant named "${name}".`);
    return [...tenant.connections.values()]
      .filter((c) => options.connection === undefined || c.name === options.connection)
      .flatMap((c) => c.users.map((u) => toAuth0User(u, this.#deps.users)));
  }

  /** Adds a client (Auth0's client fields, as in the config). */
  addClient(input: Partial<ClientConfig> & { client_id: string; tenant?: string }): { client_id: string; name: string } {
    const { tenant, ...config } = input;
    const client = this.#changes.addClient(this.#snapshot, this.tenantName(tenant), config);
    this.#changed();
    return { client_id: client.clientId, name: client.name };
  }

  /** Changes a client's settings (one from the config too); `null` in client_metadata removes that key. */
  updateClient(clientId: string, patch: ClientPatch, options: { tenant?: string } = {}): Client {
    const client = this.#changes.updateClient(this.#snapshot, this.tenantName(options.tenant), clientId, patch);
    this.#changed();
    return client;
  }

  /** Removes a client and its client grants: it gets no more tokens. */
  removeClient(clientId: string, options: { tenant?: string } = {}): boolean {
    const removed = this.#changes.removeClient(this.#snapshot, this.tenantName(options.tenant), clientId);
    if (removed) this.#changed();
    return removed;
  }

  /** Lets a client get client-credentials tokens for an API, with these scopes. */
  addClientGrant(input: { client_id: string; audience: string; scope?: string[]; tenant?: string }): { client_id: string; audience: string; scope: string[] } {
    const { tenant, ...grant } = input;
    const created = this.#changes.addClientGrant(this.#snapshot, this.tenantName(tenant), grant);
    this.#changed();
    return created;
  }

  /** Replaces the scopes of a client grant; false when there is no such grant. */
  updateClientGrant(input: { client_id: string; audience: string; scope: string[]; tenant?: string }): boolean {
    const updated = this.#changes.updateClientGrant(this.#snapshot, this.tenantName(input.tenant), input.client_id, input.audience, input.scope);
    if (updated) this.#changed();
    return updated;
  }

  removeClientGrant(input: { client_id: string; audience: string; tenant?: string }): boolean {
    const removed = this.#changes.removeClientGrant(this.#snapshot, this.tenantName(input.tenant), input.client_id, input.audience);
    if (removed) this.#changed();
    return removed;
  }

  /** Brute-force blocks (a user from an IP, after consecutive wrong passwords): of one tenant, or of every tenant. */
  async userBlocks(options: { tenant?: string } = {}): Promise<UserBlock[]> {
    const tenants = options.tenant === undefined ? [...this.#snapshot.tenants.keys()] : [options.tenant];
    const lists = await Promise.all(tenants.map((t) => this.#deps.loginFailures.blocks(t)));
    return lists.flat().map((r) => ({ tenant: r.tenant, user_id: r.userId, identifier: r.identifier, ip: r.ip, connection: r.connection }));
  }

  /**
   * Lifts a user's brute-force blocks and clears their counts (by user_id, email or username); resolves, once
   * saved, with how many blocks there were, or undefined when there is no such user.
   */
  async liftUserBlocks(user: string, options: { tenant?: string } = {}): Promise<number | undefined> {
    const tenant = this.tenantName(options.tenant);
    const found = this.getUser(user, { tenant });
    if (!found) return undefined;
    return this.#deps.loginFailures.unblock(tenant, { userId: found.user_id });
  }
}

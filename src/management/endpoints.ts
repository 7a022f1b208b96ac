/**
 * The Management API v2 subset test suites call: users (CRUD, search by `q`, by email), clients (in
 * clients.ts) and
 * client grants (read, create, delete), with Auth0's request and response shapes. Changes are runtime
 * state: they survive reloads of the config and are undone by reset(). A change the backend refuses throws
 * a ChangeError, which render-error.ts answers in the Management API's shape.
 */
import { createHash } from 'node:crypto';
import type { Auth0User } from '../model/user-profile.js';
import type { Snapshot } from '../model/snapshot.js';
import type { Client } from '../model/tenant.js';
import type { ClientPatch, UserInput, UserPatch } from '../runtime/runtime-changes.js';
import { ManagementError } from './errors.js';
import { checkpointAnswer, offsetAnswer, offsetPage, wantsCheckpoint, type Query } from './paging.js';
import { parseUserQuery } from './query.js';

/** What the endpoints need from the emulator (it implements this). */
export interface ManagementBackend {
  readonly snapshot: Snapshot;
  addUser(input: UserInput & { tenant?: string }): Auth0User;
  updateUser(userId: string, patch: UserPatch, options: { tenant?: string }): Auth0User;
  removeUser(userId: string, options: { tenant?: string }): Promise<boolean>;
  getUser(idOrLogin: string, options: { tenant?: string }): Auth0User | undefined;
  listUsers(options: { tenant?: string }): Auth0User[];
  addClient(input: Record<string, unknown> & { client_id: string; tenant?: string }): { client_id: string };
  updateClient(clientId: string, patch: ClientPatch, options: { tenant?: string }): Client;
  removeClient(clientId: string, options: { tenant?: string }): boolean;
  addClientGrant(input: { client_id: string; audience: string; scope?: string[]; tenant?: string }): { client_id: string; audience: string; scope: string[] };
  updateClientGrant(input: { client_id: string; audience: string; scope: string[]; tenant?: string }): boolean;
  removeClientGrant(input: { client_id: string; audience: string; tenant?: string }): boolean;
}

function body(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ManagementError(400, 'Payload validation error: the body must be a JSON object.', 'invalid_body');
  return value as Record<string, unknown>;
}

export function createUser(backend: ManagementBackend, tenant: string, input: unknown): Auth0User {
  const { connection, verify_email: _verify, user_id: given, ...fields } = body(input);
  if (typeof connection !== 'string') throw new ManagementError(400, "Payload validation error: 'Missing required property: connection'.", 'invalid_body');
  const userId = given === undefined ? {} : { user_id: `auth0|${localUserId(given)}` };
  return backend.addUser({ ...(fields as Omit<UserInput, 'connection'>), ...userId, connection, tenant });
}

/**
 * A `user_id` given to POST /users is the id within the provider: Auth0 answers `auth0|<id>` (every connection
 * here is a database connection, provider `auth0`), and refuses one with white space.
 * NOTE(emulator): the property description in the error text and the minimum length are not confirmed.
 */
function localUserId(value: unknown): string {
  const invalid = (why: string) => new ManagementError(400, `Payload validation error: '${why}' on property user_id (The user's unique identifier).`, 'invalid_body');
  if (typeof value !== 'string') throw invalid(`Expected type string but found type ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`);
  if (value === '') throw invalid('String is too short (0 chars), minimum 1');
  if (/\s/.test(value)) throw invalid('String does not match pattern ^\\S*$');
  return value;
}

export function getUser(backend: ManagementBackend, tenant: string, id: string): Auth0User {
  const user = backend.getUser(id, { tenant });
  if (!user || user.user_id !== id) throw new ManagementError(404, 'The user does not exist.', 'inexistent_user');
  return user;
}

export function updateUser(backend: ManagementBackend, tenant: string, id: string, input: unknown): Auth0User {
  const { connection: _c, client_id: _id, ...patch } = body(input);
  getUser(backend, tenant, id);
  return backend.updateUser(id, patch as UserPatch, { tenant });
}

/** Only app_metadata/user_metadata changes: `update:users_app_metadata` is enough. */
export const onlyMetadata = (input: unknown) =>
  input !== null && typeof input === 'object' && Object.keys(input).length > 0 && Object.keys(input).every((k) => k === 'app_metadata' || k === 'user_metadata');

/** Revokes the user's refresh tokens too; answered once that is in the state folder. */
export async function deleteUser(backend: ManagementBackend, tenant: string, id: string): Promise<void> {
  await backend.removeUser(id, { tenant });
}

export function searchUsers(backend: ManagementBackend, tenant: string, query: Query): Auth0User[] | Record<string, unknown> {
  const all = backend.listUsers({ tenant });
  const matching = query.q ? all.filter(parseUserQuery(query.q)) : all;
  const page = offsetPage(matching, query);
  if (page.totals) return { start: page.start, limit: page.limit, length: page.items.length, total: page.total, users: page.items };
  return page.items;
}

export function usersByEmail(backend: ManagementBackend, tenant: string, email: string | undefined): Auth0User[] {
  if (!email) throw new ManagementError(400, "Query validation error: 'Missing required property: email'.", 'invalid_query_string');
  const want = email.toLowerCase();
  return backend.listUsers({ tenant }).filter((u) => u.email === want);
}

const grantId = (clientId: string, audience: string) => `cgr_${createHash('sha256').update(`${clientId}\n${audience}`).digest('hex').slice(0, 16)}`;

/** Every client grant of the tenant, filtered by `audience` and `client_id`. */
function clientGrants(backend: ManagementBackend, tenant: string, query: Query) {
  const t = backend.snapshot.tenants.get(tenant);
  return [...(t?.clientGrants ?? [])]
    .map(([key, scope]) => {
      const [client_id, audience] = key.split('\n') as [string, string];
      return { id: grantId(client_id, audience), client_id, audience, scope: [...scope] };
    })
    .filter((g) => (!query.audience || g.audience === query.audience) && (!query.client_id || g.client_id === query.client_id));
}

/** GET /client-grants: filtered, then paged by offset or by checkpoint. */
export function listClientGrants(backend: ManagementBackend, tenant: string, query: Query) {
  const grants = clientGrants(backend, tenant, query);
  if (wantsCheckpoint(query)) return checkpointAnswer('client_grants', grants, (g) => g.id, query);
  return offsetAnswer('client_grants', grants, query);
}

export function createClientGrant(backend: ManagementBackend, tenant: string, input: unknown) {
  const { client_id, audience, scope } = body(input);
  if (typeof client_id !== 'string' || typeof audience !== 'string') {
    throw new ManagementError(400, "Payload validation error: 'Missing required property: client_id, audience'.", 'invalid_body');
  }
  const created = backend.addClientGrant({ tenant, client_id, audience, scope: Array.isArray(scope) ? scope.map(String) : [] });
  return { id: grantId(created.client_id, created.audience), ...created };
}

/** PATCH /client-grants/{id}: its `scope` replaced (the other fields Auth0 takes there are organizations'). */
export function updateClientGrant(backend: ManagementBackend, tenant: string, id: string, input: unknown) {
  const { scope } = body(input);
  // NOTE(emulator): Auth0's validation text, in the shape of its other payload errors.
  if (scope !== undefined && !Array.isArray(scope)) throw new ManagementError(400, `Payload validation error: 'Expected type array but found type ${scope === null ? 'null' : typeof scope}' on property scope.`, 'invalid_body');
  const bad = Array.isArray(scope) ? scope.findIndex((s) => typeof s !== 'string') : -1;
  if (bad >= 0) throw new ManagementError(400, `Payload validation error: 'Expected type string but found type ${typeof (scope as unknown[])[bad]}' on property scope[${bad}].`, 'invalid_body');
  const grant = clientGrants(backend, tenant, {}).find((g) => g.id === id);
  if (!grant) throw new ManagementError(404, 'The client grant does not exist.', 'inexistent_client_grant');
  if (scope === undefined) return grant;
  backend.updateClientGrant({ tenant, client_id: grant.client_id, audience: grant.audience, scope: scope as string[] });
  return { ...grant, scope: [...(scope as string[])] };
}

export function deleteClientGrant(backend: ManagementBackend, tenant: string, id: string): void {
  const grant = clientGrants(backend, tenant, {}).find((g) => g.id === id);
  if (!grant) throw new ManagementError(404, 'The client grant does not exist.', 'inexistent_client_grant');
  backend.removeClientGrant({ tenant, client_id: grant.client_id, audience: grant.audience });
}

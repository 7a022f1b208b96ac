/**
 * Brute-force blocks in the Management API: `GET/DELETE /api/v2/user-blocks/{id}` (of one user) and
 * `GET/DELETE /api/v2/user-blocks?identifier=…` (of a login, any user), answering Auth0's
 * `{blocked_for: [{identifier, ip, connection}]}`; a DELETE lifts the blocks and clears the counts (204).
 */
import type { LoginFailureRecord, LoginFailures } from '../store/login-failures.js';
import type { ManagementBackend } from './endpoints.js';
import { ManagementError } from './errors.js';

export interface UserBlocks {
  blocked_for: { identifier: string; ip: string; connection: string }[];
}

const answer = (records: readonly LoginFailureRecord[]): UserBlocks => ({ blocked_for: records.map((r) => ({ identifier: r.identifier, ip: r.ip, connection: r.connection })) });

/** NOTE(emulator): Auth0's answer for a user_id that names no user is not confirmed; this is GET /users/{id}'s 404. */
function existing(backend: ManagementBackend, tenant: string, id: string): string {
  const user = backend.getUser(id, { tenant });
  if (!user || user.user_id !== id) throw new ManagementError(404, 'The user does not exist.', 'inexistent_user');
  return id;
}

/** NOTE(emulator): the text for a missing `identifier` follows Auth0's query-string validation; not confirmed. */
function identifierOf(query: Record<string, string | undefined>): string {
  const identifier = query.identifier;
  if (!identifier) throw new ManagementError(400, "Query validation error: 'Missing required property: identifier'.", 'invalid_query_string');
  return identifier;
}

export async function blocksOfUser(backend: ManagementBackend, failures: LoginFailures, tenant: string, id: string): Promise<UserBlocks> {
  return answer(await failures.blocks(tenant, { userId: existing(backend, tenant, id) }));
}

export async function unblockUser(backend: ManagementBackend, failures: LoginFailures, tenant: string, id: string): Promise<void> {
  await failures.unblock(tenant, { userId: existing(backend, tenant, id) });
}

export async function blocksOfIdentifier(failures: LoginFailures, tenant: string, query: Record<string, string | undefined>): Promise<UserBlocks> {
  return answer(await failures.blocks(tenant, { identifier: identifierOf(query) }));
}

export async function unblockIdentifier(failures: LoginFailures, tenant: string, query: Record<string, string | undefined>): Promise<void> {
  await failures.unblock(tenant, { identifier: identifierOf(query) });
}

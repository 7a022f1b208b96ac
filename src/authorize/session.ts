/**
 * The login session a browser brings to /authorize (its `auth0` cookie names it), and whether it lets the
 * request through without the login page (single sign-on, browser flows reference §1.5).
 */
import type { TenantEnv } from '../endpoints/token.js';
import type { Client, Tenant } from '../model/tenant.js';
import type { SessionLifetimes, SessionRecord } from '../store/sessions.js';
import { enabledFor, type AuthorizeRequest } from './request.js';

export const lifetimesOf = (tenant: Tenant): SessionLifetimes => ({ absolute: tenant.sessionLifetime, idle: tenant.idleSessionLifetime });

export interface CurrentSession {
  readonly id: string;
  readonly record: SessionRecord;
}

/**
 * The tenant's session of this id, if it is still on. A root tenant's cookie (path `/`) reaches the
 * path-form tenants of the same host too: a session of another tenant is no session here.
 */
export async function findSession(env: TenantEnv, id: string | undefined): Promise<CurrentSession | undefined> {
  if (id === undefined) return undefined;
  const record = await env.sessions.find(id, env.now(), lifetimesOf(env.tenant));
  if (!record || record.tenant !== env.tenant.name) return undefined;
  return { id, record };
}

/**
 * Whether the session may answer the request without a login: not with `prompt=login`, not when the login
 * is older than `max_age`, not for a user who is gone, and not when the client may not use the session's
 * connection or the request names another one.
 */
export function ssoAllowed(env: TenantEnv, client: Client, request: AuthorizeRequest, session: CurrentSession | undefined): session is CurrentSession {
  if (!session) return false;
  const { record } = session;
  if (request.prompt.includes('login')) return false;
  if (request.maxAge !== undefined && env.now() - record.authTime > request.maxAge) return false;
  if (!env.tenant.usersById.has(record.userId)) return false;
  const connection = env.tenant.connections.get(record.connection);
  if (!connection || !enabledFor(connection, client)) return false;
  // NOTE(emulator): a request naming another connection than the session's logs in again (Auth0 would send the
  // browser to that connection's identity provider).
  if (request.query.connection !== undefined && request.query.connection !== record.connection) return false;
  return true;
}

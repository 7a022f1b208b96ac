/**
 * `GET <issuer>v2/logout` (browser flows reference §6.1): `returnTo` must be among the Allowed Logout URLs of
 * the app named by `client_id`, or, without `client_id`, of the tenant; `client_id` without `returnTo` goes to
 * the app's first Allowed Logout URL. The session itself is ended by the caller once this has said yes: a
 * refused logout changes nothing.
 */
import type { Tenant } from '../model/tenant.js';
import type { Params } from '../oauth/params.js';
import { given, logoutClient, logoutDestination, type LogoutOutcome } from './logout-url.js';

export interface V2Logout {
  readonly outcome: LogoutOutcome;
  /** The client named, for the request log. */
  readonly clientId: string | undefined;
}

// NOTE(emulator): `federated` (also log out of the upstream identity provider) changes nothing: the
// emulator's connections are databases, with no upstream provider.
export function v2Logout(tenant: Tenant, params: Params): V2Logout {
  const clientId = given(params.client_id);
  const client = clientId === undefined ? undefined : logoutClient(tenant, clientId);
  return { outcome: logoutDestination(tenant, client, given(params.returnTo), 'returnTo'), clientId };
}

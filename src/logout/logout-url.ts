/**
 * What a logout answers (browser flows reference §6): a redirect to a URL the Allowed Logout URLs permit, or,
 * when there is nowhere to go, the "logged out" page. Shared by `/v2/logout` and `/oidc/logout`.
 */
import type { Client, Tenant } from '../model/tenant.js';
import { InvalidRequest } from '../oauth/errors.js';
import { logoutUrlAllowed } from '../oauth/url-match.js';

export type LogoutOutcome = { readonly redirect: string } | { readonly loggedOut: true };

/** The client a logout names (its `client_id`); an unknown one is refused. */
export function logoutClient(tenant: Tenant, clientId: string): Client {
  const client = tenant.clients.get(clientId);
  // NOTE(emulator): what Auth0 answers a logout with an unknown client_id is not confirmed; we answer as
  // /authorize does for one (its error page, 400 `invalid_request` "Unknown client: <id>"), and log no one out.
  if (!client) throw new InvalidRequest(`Unknown client: ${clientId}`);
  return client;
}

/**
 * Where the browser goes: `url` when the list (the client's, else the tenant's) allows it; without `url`, the
 * client's first Allowed Logout URL (Auth0's rule), else the logged-out page.
 */
export function logoutDestination(
  tenant: Tenant,
  client: Client | undefined,
  url: string | undefined,
  parameter: 'returnTo' | 'post_logout_redirect_uri',
): LogoutOutcome {
  const list = client ? client.allowedLogoutUrls : tenant.allowedLogoutUrls;
  if (url === undefined) {
    // NOTE(emulator): Auth0's answer to a logout with nowhere to return to (no return URL and no client, or a
    // client without Allowed Logout URLs) is not confirmed (reference §11 #8): a plain "logged out" page. A
    // wildcard URL is no place to go: the first one without `*`, as /authorize does for a missing redirect_uri.
    const first = client?.allowedLogoutUrls.find((u) => !u.includes('*'));
    return first === undefined ? { loggedOut: true } : { redirect: first };
  }
  // A URL that does not parse cannot be a redirect's Location, whatever a wildcard pattern says.
  if (!URL.canParse(url) || !logoutUrlAllowed(list, url, parameter === 'returnTo' ? 'v2' : 'oidc')) {
    const settings = client ? `https://manage.auth0.com/#/applications/${client.clientId}/settings` : 'https://manage.auth0.com/#/account/advanced';
    // Auth0's text (reference §6.1, and the same sentence for post_logout_redirect_uri in public reports).
    // NOTE(emulator): its status is not confirmed; 400, as for Auth0's other error pages.
    throw new InvalidRequest(
      `The "${parameter}" querystring parameter "${url}" is not defined as a valid URL in "Allowed Logout URLs". To add a new URL, please do it here: ${settings}`,
    );
  }
  return { redirect: url };
}

/** A parameter's value; an empty one counts as absent. */
export const given = (value: string | undefined): string | undefined => (value === '' ? undefined : value);

/**
 * Client authentication at /oauth/token and /oauth/revoke, per the client's `token_endpoint_auth_method`:
 * `client_secret_post` (secret in the body), `client_secret_basic` (HTTP Basic), `none` (public clients).
 * Every failure is Auth0's 401 `access_denied` "Unauthorized"; the reason goes to the log only.
 */
import type { Client, Tenant } from '../model/tenant.js';
import { InvalidRequest, clientAuthFailed } from './errors.js';
import { matchesDigest } from './constant-time.js';
import { corsOriginAllowed } from './url-match.js';
import type { Params } from './params.js';

/** The body parameters readClientCredentials reads. */
export const CLIENT_CREDENTIAL_PARAMETERS = ['client_id', 'client_secret'] as const;

export interface ClientCredentials {
  clientId: string | undefined;
  clientSecret: string | undefined;
  via: 'body' | 'basic' | undefined;
}

function parseBasic(header: string): { id: string; secret: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return undefined;
  }
}

/** Reads the client's credentials from the body and the Authorization header. */
export function readClientCredentials(params: Params, authorization: string | undefined): ClientCredentials {
  const basic = authorization?.toLowerCase().startsWith('basic ') ? parseBasic(authorization) : undefined;
  if (authorization?.toLowerCase().startsWith('basic ') && !basic) {
    throw clientAuthFailed('malformed HTTP Basic authorization header');
  }
  if (basic) {
    if (params.client_secret !== undefined) {
      throw new InvalidRequest('Only one client authentication method may be used', { logDetail: 'client_secret sent in both the body and a Basic header' });
    }
    if (params.client_id !== undefined && params.client_id !== basic.id) {
      throw new InvalidRequest('client_id in the body does not match the Authorization header');
    }
    return { clientId: basic.id, clientSecret: basic.secret, via: 'basic' };
  }
  return {
    clientId: params.client_id,
    clientSecret: params.client_secret,
    via: params.client_secret !== undefined ? 'body' : undefined,
  };
}

export function findClient(tenant: Tenant, credentials: ClientCredentials): Client {
  if (!credentials.clientId) throw new InvalidRequest('Missing required parameter: client_id');
  const client = tenant.clients.get(credentials.clientId);
  // NOTE(emulator): Auth0's answer for an unknown client_id on /oauth/token is not confirmed; we give the
  // same 401 as a wrong secret, which is what SDK users report for bad client credentials.
  if (!client) throw clientAuthFailed(`no client "${credentials.clientId}" in tenant "${tenant.name}"`);
  return client;
}

/**
 * Checks the secret as the client's method demands. `secretRequired` is true for grants that always need a
 * confidential client (client_credentials); then a public client fails too.
 */
export function authenticateClient(client: Client, credentials: ClientCredentials, secretRequired: boolean): void {
  const method = client.authMethod;
  if (method === 'none') {
    if (secretRequired) throw clientAuthFailed(`${client.clientId} is a public client (token_endpoint_auth_method: none); this grant needs a client secret`);
    return;
  }
  const expectedVia = method === 'client_secret_post' ? 'body' : 'basic';
  if (credentials.via === undefined) {
    throw clientAuthFailed(`${client.clientId} uses ${method} but the request carried no client secret`);
  }
  if (credentials.via !== expectedVia) {
    throw clientAuthFailed(
      `${client.clientId} uses ${method} but the request sent the secret ${credentials.via === 'body' ? 'in the body (client_secret_post)' : 'in a Basic header (client_secret_basic)'}`,
    );
  }
  if (client.secretDigest === undefined || !matchesDigest(credentials.clientSecret ?? '', client.secretDigest)) {
    throw clientAuthFailed(`wrong client secret for ${client.clientId}`);
  }
}

/**
 * A call from a browser page (it has an Origin header) is allowed only from the client's origins: its Allowed Web
 * Origins, Allowed Origins (CORS) and the origins of its callbacks (url-match.ts). Auth0 refuses the others
 * (its log says "Failed by CORS … Origin X is not allowed", browser flows reference §5.4) with a 401 (auth0-cli#193:
 * "Set Allowed Origins. Otherwise you get a 401 when calling oauth/token"), so the request changes nothing: no
 * code used up, no refresh token rotated that the page could not read.
 * NOTE(emulator): the body of that 401 is not confirmed; Auth0's answer to a failed client authentication.
 */
export function checkBrowserOrigin(client: Client, origin: string | undefined): void {
  if (origin !== undefined && !corsOriginAllowed(client, origin)) {
    throw clientAuthFailed(`Failed by CORS: origin ${origin} is not in the Allowed Web Origins, Allowed Origins or callbacks of ${client.clientId}`);
  }
}

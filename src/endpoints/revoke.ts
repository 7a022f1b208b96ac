/**
 * POST /oauth/revoke: 200 with an empty body whether or not the token existed ("revoked, does not exist, or
 * was not issued to the client"); 400 when `token` is missing; 401 invalid_client on bad client credentials
 * (reference §12).
 */
import { authenticateClient, checkBrowserOrigin, CLIENT_CREDENTIAL_PARAMETERS, findClient, readClientCredentials } from '../oauth/client-auth.js';
import { OAuthError } from '../oauth/errors.js';
import { requireParams, type Params } from '../oauth/params.js';
import type { Tenant } from '../model/tenant.js';
import type { RefreshTokens } from '../store/refresh-tokens.js';

export const REVOKE_PARAMETERS = ['token', ...CLIENT_CREDENTIAL_PARAMETERS] as const;

/**
 * `note.client` is set once the client is known (the log line, and CORS: http/cors.ts); `origin` is the request's
 * Origin header (a browser's call), which must be one of the client's (checkBrowserOrigin).
 */
export async function revoke(tenant: Tenant, refreshTokens: RefreshTokens, params: Params, authorization: string | undefined, note: { client?: string } = {}, origin?: string): Promise<void> {
  const credentials = readClientCredentials(params, authorization);
  let clientId: string;
  try {
    const client = findClient(tenant, credentials);
    note.client = client.clientId;
    authenticateClient(client, credentials, false);
    checkBrowserOrigin(client, origin);
    clientId = client.clientId;
  } catch (err) {
    if (err instanceof OAuthError && err.status === 401) {
      throw new OAuthError(401, 'invalid_client', 'Client authentication failed', err.logDetail === undefined ? {} : { logDetail: err.logDetail });
    }
    throw err;
  }
  const { token } = requireParams(params, 'token');
  const record = await refreshTokens.find(token);
  // The 200 says "revoked": it goes out once the revocation is in the state file (also when the token was
  // unknown because another request's revocation of it is still being written).
  if (!record || (record.tenant === tenant.name && record.clientId === clientId)) await refreshTokens.revoke(token);
}

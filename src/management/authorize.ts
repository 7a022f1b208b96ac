/**
 * Management API authorization. A request is let in only with a Bearer access token that
 *   - is RS256 and verifies against this tenant's key, and is unexpired;
 *   - was issued by this tenant at the URL the request came to (`iss` is the request's issuer: a token from
 *     another tenant, or from another base URL, is refused even where the keys are shared);
 *   - names the Management API at that issuer (`aud` is `<issuer>api/v2/`) while no API of the tenant's own
 *     has that identifier (an API of the user's whose identifier ends in `/api/v2/` is that API, never the
 *     Management API: resolveAudience gives it precedence when tokens are issued, and so does this check);
 *   - came from client credentials (`gty` `client-credentials`, `sub` `<azp>@clients`) for a client of this
 *     tenant, which is the only way the emulator hands out tokens for the Management API (through a client
 *     grant, or minted by the control plane);
 *   - carries one of the scopes the endpoint needs (requireScope, after the body is read).
 * Without the `iss` and issuer-shadowing checks, a user's token for an API named `http://localhost:3000/api/v2/`
 * plus `Host: localhost:3000` was a Management API token (issue 10, finding 1).
 */
import type { Tenant } from '../model/tenant.js';
import type { TenantKey } from '../tokens/key-store.js';
import { ManagementError } from './errors.js';

// NOTE(emulator): the 401 texts follow what Auth0's Management API answers as far as public reports show
// ("Bad audience: …" in auth0/node-auth0#787, "Invalid token", "Expired token received for JSON Web Token
// validation"); the exact text for a wrong issuer is not confirmed: it gets "Invalid token".
const invalid = (why: string) => new ManagementError(401, 'Invalid token', undefined, why);

/** Verifies the token and returns its scopes (401 when there is no valid Management API token). */
export async function authenticate(authorization: string | undefined, tenant: Tenant, key: TenantKey, issuer: string, nowSeconds: number): Promise<string[]> {
  const match = authorization === undefined ? null : /^Bearer +(\S+)$/i.exec(authorization.trim());
  if (!match) throw new ManagementError(401, 'Missing authentication');
  const { jwtVerify } = await import('jose');
  const audience = `${issuer}api/v2/`;
  let payload;
  try {
    ({ payload } = await jwtVerify(match[1]!, key.publicKey, { algorithms: ['RS256'], issuer, currentDate: new Date(nowSeconds * 1000) }));
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_JWT_EXPIRED') throw new ManagementError(401, 'Expired token received for JSON Web Token validation');
    throw invalid((err as Error).message);
  }
  const aud = Array.isArray(payload.aud) ? payload.aud : payload.aud === undefined ? [] : [payload.aud];
  if (!aud.includes(audience)) throw new ManagementError(401, `Bad audience: ${aud.join(' ')}`);
  if (tenant.apis.has(audience)) throw invalid(`${audience} is an API of tenant ${tenant.name}, not the Management API`);
  // NOTE(emulator): Auth0 also accepts user tokens for the Management API (with the `*:current_user` scopes);
  // the emulator issues none, so a user's token is never a Management API token here.
  const azp = typeof payload.azp === 'string' ? payload.azp : undefined;
  if (payload.gty !== 'client-credentials' || azp === undefined || payload.sub !== `${azp}@clients`) {
    throw invalid('only client-credentials tokens are accepted by the Management API');
  }
  if (!tenant.clients.has(azp)) throw invalid(`client ${azp} does not exist in tenant ${tenant.name}`);
  return typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
}

/** 403 unless the token carries one of the scopes the endpoint needs. */
export function requireScope(scopes: readonly string[], anyOf: readonly string[]): void {
  if (!anyOf.some((s) => scopes.includes(s))) {
    throw new ManagementError(403, `Insufficient scope, expected any of: ${anyOf.join(',')}`, 'insufficient_scope');
  }
}

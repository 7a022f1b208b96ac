/**
 * Management API authorization: a Bearer access token signed by the tenant's key, unexpired, whose `aud`
 * is `<issuer>api/v2/`, carrying one of the scopes the endpoint needs.
 */
import type { TenantKey } from '../tokens/key-store.js';
import { ManagementError } from './errors.js';

// NOTE(emulator): the 401 texts follow what Auth0's Management API answers as far as public reports show.
/** Verifies the token and returns its scopes (401 when there is no valid token). */
export async function authenticate(authorization: string | undefined, key: TenantKey, issuer: string, nowSeconds: number): Promise<string[]> {
  const match = authorization === undefined ? null : /^Bearer +(\S+)$/i.exec(authorization.trim());
  if (!match) throw new ManagementError(401, 'Missing authentication');
  const { jwtVerify } = await import('jose');
  let scopes: string[];
  try {
    const { payload } = await jwtVerify(match[1]!, key.publicKey, {
      algorithms: ['RS256'],
      audience: `${issuer}api/v2/`,
      currentDate: new Date(nowSeconds * 1000),
    });
    scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_JWT_EXPIRED') throw new ManagementError(401, 'Expired token received for JSON Web Token validation');
    throw new ManagementError(401, 'Invalid token', undefined, (err as Error).message);
  }
  return scopes;
}

/** 403 unless the token carries one of the scopes the endpoint needs. */
export function requireScope(scopes: readonly string[], anyOf: readonly string[]): void {
  if (!anyOf.some((s) => scopes.includes(s))) {
    throw new ManagementError(403, `Insufficient scope, expected any of: ${anyOf.join(',')}`, 'insufficient_scope');
  }
}

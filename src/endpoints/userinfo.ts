import type { Tenant } from '../model/tenant.js';
import type { UserinfoClaims } from '../runtime/userinfo-claims.js';
import { InvalidToken } from '../oauth/errors.js';
import { profileClaims } from '../tokens/claims.js';
import type { TenantKey } from '../tokens/key-store.js';
import { bearerToken, verifyAccessToken } from '../tokens/verify-access-token.js';

/**
 * /userinfo: `sub` plus the claims the token's scopes release, read from the current user profile, plus the
 * custom claims extensions put on the ID token issued with it (reference §6).
 */
export async function userinfo(tenant: Tenant, key: TenantKey, issuer: string, custom: UserinfoClaims, authorization: string | undefined, nowSeconds: number) {
  const raw = bearerToken(authorization);
  const token = await verifyAccessToken(raw, key, issuer, nowSeconds);
  // NOTE(emulator): Auth0's answer for a token without `openid` or for a deleted user is not documented.
  if (!token.scopes.includes('openid')) throw new InvalidToken('The access token was not granted the openid scope');
  const user = tenant.usersById.get(token.sub);
  if (!user) throw new InvalidToken('Invalid token', 'invalid_token', { logDetail: `user ${token.sub} no longer exists` });
  return { sub: user.userId, ...profileClaims(user, token.scopes), ...token.extra, ...custom.recall(raw, nowSeconds) };
}

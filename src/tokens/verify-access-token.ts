/**
 * Access-token checks for /userinfo. A JWT must be RS256, carry the tenant key's `kid`, verify against
 * that key (so a token from another tenant fails), be unexpired, have been issued at the URL it is used at
 * (`iss` is the request's issuer: tenants that share a key file stay apart) and name `<iss>userinfo` in
 * `aud`. An opaque token must decrypt with the tenant's key and carry the same `iss`. jose refuses
 * `alg: none` and any other algorithm.
 */
import { InvalidToken } from '../oauth/errors.js';
import type { TenantKey } from './key-store.js';
import { openOpaqueToken } from './opaque.js';

export interface VerifiedAccessToken {
  sub: string;
  scopes: string[];
  /** Custom claims an opaque token carries for /userinfo. */
  extra: Record<string, unknown>;
}

const describe = (err: unknown) => ((err as { code?: unknown }).code === 'ERR_JWT_EXPIRED' ? 'The token has expired' : 'Invalid token');

export function bearerToken(authorization: string | undefined): string {
  const match = authorization === undefined ? null : /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
  if (!match) {
    if (authorization === undefined || authorization.trim() === '') throw new InvalidToken('No access token was sent', null);
    throw new InvalidToken('Malformed Authorization header', 'invalid_request');
  }
  return match[1]!;
}

export async function verifyAccessToken(token: string, key: TenantKey, issuer: string, nowSeconds: number): Promise<VerifiedAccessToken> {
  // jose is loaded on first use, so start-up does not pay for it.
  const { decodeProtectedHeader, jwtVerify } = await import('jose');
  const parts = token.split('.').length;
  if (parts === 5) {
    const claims = await openOpaqueToken(token, key.opaqueKey, issuer, nowSeconds).catch((err: unknown) => {
      throw new InvalidToken(describe(err), 'invalid_token', { logDetail: (err as Error).message });
    });
    return { sub: claims.sub, scopes: claims.scope.split(' '), extra: claims.ext ?? {} };
  }
  if (parts !== 3) throw new InvalidToken('Invalid token');
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw new InvalidToken('Invalid token');
  }
  if (kid !== key.kid) throw new InvalidToken('Invalid token', 'invalid_token', { logDetail: `unknown kid ${String(kid)}` });
  const { payload } = await jwtVerify(token, key.publicKey, { algorithms: ['RS256'], issuer, currentDate: new Date(nowSeconds * 1000) }).catch(
    (err: unknown) => {
      throw new InvalidToken(describe(err), 'invalid_token', { logDetail: (err as Error).message });
    },
  );
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.includes(`${issuer}userinfo`)) {
    throw new InvalidToken('Invalid token', 'invalid_token', { logDetail: 'the token audience does not include /userinfo' });
  }
  if (typeof payload.sub !== 'string') throw new InvalidToken('Invalid token');
  return { sub: payload.sub, scopes: typeof payload.scope === 'string' ? payload.scope.split(' ') : [], extra: {} };
}

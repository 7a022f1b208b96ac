/**
 * The step every user grant ends with: granted scopes → token claims → signatures → Auth0's response.
 * Access and ID tokens are signed concurrently. Extensions (rules, Actions) will edit the claim drafts
 * here, before signing, so every grant and the programmatic API share one pipeline.
 */
import type { Api } from '../model/tenant.js';
import type { User } from '../model/user.js';
import { sameScopes } from '../oauth/scopes.js';
import { profileClaims } from '../tokens/claims.js';
import { sealOpaqueToken } from '../tokens/opaque.js';
import type { GrantContext, TokenResponse } from './types.js';

/** NOTE(emulator): lifetime of opaque (no-audience) access tokens; Auth0's default for /userinfo tokens. */
export const OPAQUE_TOKEN_LIFETIME = 86_400;

export interface UserTokenRequest {
  readonly user: User;
  readonly api: Api | undefined;
  readonly scopes: readonly string[];
  readonly requestedScopes: readonly string[];
  /** `gty` claim: `password` for both password grants, `refresh_token` for refresh. */
  readonly gty: 'password' | 'refresh_token';
  /** Whether to issue a refresh token, and into which rotation family (a new one when absent). */
  readonly refresh: { issue: boolean; family?: string };
  /** The refresh grant always returns `scope`; the password grants only when it differs from the request. */
  readonly alwaysReturnScope: boolean;
}

export async function issueUserTokens(ctx: GrantContext, req: UserTokenRequest): Promise<TokenResponse> {
  const { issuer, client, key } = ctx;
  const { user, api, scopes } = req;
  const iat = ctx.now();
  const scope = scopes.join(' ');
  const openid = scopes.includes('openid');

  let accessToken: Promise<string>;
  let expiresIn: number;
  if (api) {
    expiresIn = api.tokenLifetime;
    // Only RS256 APIs get the /userinfo audience (seed 003, reference §5.2).
    const aud = openid && api.signingAlg === 'RS256' ? [api.identifier, `${issuer}userinfo`] : api.identifier;
    const claims = { iss: issuer, sub: user.userId, aud, iat, exp: iat + expiresIn, scope, gty: req.gty, azp: client.clientId };
    accessToken = (api.hsSigner ?? key.signer).sign(claims);
  } else {
    expiresIn = OPAQUE_TOKEN_LIFETIME;
    accessToken = sealOpaqueToken({ sub: user.userId, azp: client.clientId, scope, iat, exp: iat + expiresIn }, key.opaqueKey, issuer);
  }

  const idToken = openid
    ? (client.idTokenHsSigner ?? key.signer).sign({
        ...profileClaims(user, scopes),
        iss: issuer,
        sub: user.userId,
        aud: client.clientId,
        iat,
        exp: iat + client.idTokenLifetime,
      })
    : undefined;

  const refreshToken = req.refresh.issue
    ? ctx.refreshTokens.issue({
        tenant: ctx.tenant.name,
        clientId: client.clientId,
        userId: user.userId,
        audience: api?.identifier,
        scope: scopes,
        issuedAt: iat,
        expiresAt: client.refreshLifetime === undefined ? undefined : iat + client.refreshLifetime,
        ...(req.refresh.family !== undefined ? { family: req.refresh.family } : {}),
      })
    : undefined;

  const [access_token, id_token] = await Promise.all([accessToken, idToken]);
  return {
    access_token: access_token!,
    ...(refreshToken !== undefined ? { refresh_token: refreshToken } : {}),
    ...(id_token !== undefined ? { id_token } : {}),
    ...(req.alwaysReturnScope || !sameScopes(scopes, req.requestedScopes) ? { scope } : {}),
    expires_in: expiresIn,
    token_type: 'Bearer',
  };
}

/**
 * The step every user grant ends with: granted scopes → extensions (rules, hooks, Actions) edit a draft →
 * token claims → signatures → Auth0's response. Access and ID tokens are signed concurrently.
 * Extensions change the access token's scopes and add claims; whether an ID token and a refresh token are
 * issued follows the scopes granted before them (a rule narrowing `scope` does not take the ID token away).
 * The extensions may take a while, so the refresh token is recorded against the state as it is once they
 * have run, not as it was when the request started (see RecordRefreshToken).
 */
import { createHash } from 'node:crypto';
import type { BrowserTransaction } from '../extensions/inputs.js';
import { hasUserExtensions, runUserExtensions, type Resumption, type TokenDraft, type UserTokenDraft } from '../extensions/run-user-extensions.js';
import type { LoginFlow } from '../model/login-flow.js';
import { enforcedPermissions } from '../model/rbac.js';
import type { Api, Connection } from '../model/tenant.js';
import type { User } from '../model/user.js';
import { InvalidGrant } from '../oauth/errors.js';
import { sameScopes } from '../oauth/scopes.js';
import type { RefreshRecord } from '../store/refresh-tokens.js';
import { profileClaims, releasedClaims } from '../tokens/claims.js';
import { sealOpaqueToken } from '../tokens/opaque.js';
import type { GrantContext, TokenResponse } from './types.js';

/** NOTE(emulator): lifetime of opaque (no-audience) access tokens; Auth0's default for /userinfo tokens. */
export const OPAQUE_TOKEN_LIFETIME = 86_400;

/**
 * The flow of a token request (and of minting): never interactive, so its extensions never ask to redirect first
 * and always end in tokens to sign.
 */
export type ExchangeFlow = LoginFlow & { readonly interactive: false };

export interface UserTokenRequest {
  readonly flow: ExchangeFlow;
  readonly user: User;
  /** The user's connection (the one logged into, on the password grants). */
  readonly connection: Connection | undefined;
  readonly api: Api | undefined;
  readonly scopes: readonly string[];
  readonly requestedScopes: readonly string[];
  /**
   * Whether to issue a refresh token; for a rotation, the family's expiry (an absolute lifetime runs from the
   * login, not from each rotation) and how the token is recorded (default: a login's, the first of a family).
   */
  readonly refresh: { issue: boolean; expiresAt?: number | undefined; record?: RecordRefreshToken };
  /** The refresh grant always returns `scope`; the password grants only when it differs from the request. */
  readonly alwaysReturnScope: boolean;
  /** Minting only: a lifetime (seconds) for both tokens, an issue time, and a not-before time (epoch seconds). */
  readonly lifetime?: number;
  readonly issuedAt?: number;
  readonly notBefore?: number;
}

/** A refresh token to record; the family is the recorder's to choose. */
export type NewRefreshToken = Omit<RefreshRecord, 'family'>;

/**
 * Records a new refresh token and resolves with it once it is in the state file; throws or rejects to refuse
 * the request instead. Called once the extensions have run, it checks the state as it is then and records the
 * token with no await in between, so that no concurrent change (a delete, another use of the token being
 * rotated) can come between the check and the record.
 */
export type RecordRefreshToken = (token: NewRefreshToken) => Promise<string>;

/**
 * A login's refresh token, the first of its family. Its user must still be served: one deleted while the
 * extensions ran would otherwise get a token the delete did not revoke, which would then work again for a user
 * created again with the same email (the same user_id).
 */
function recordLoginToken(ctx: GrantContext): RecordRefreshToken {
  return (token) => {
    // NOTE(emulator): Auth0's answer to a login that races its user's deletion is not known; this is its answer
    // to a login of a user that does not exist.
    if (!ctx.currentTenant()?.usersById.has(token.userId)) throw new InvalidGrant('Wrong email or password.', { logDetail: `user ${token.userId} was deleted while the extensions ran` });
    return ctx.refreshTokens.issue(token);
  };
}

export async function issueUserTokens(ctx: GrantContext, req: UserTokenRequest): Promise<TokenResponse> {
  const draft = await draftUserTokens(ctx, req);
  return signUserTokens(ctx, req, draft);
}

/** Who logs in, and with what, as the extensions see it (a browser login's flow may be interactive). */
export type UserLogin = Pick<UserTokenRequest, 'user' | 'connection' | 'api' | 'scopes' | 'requestedScopes' | 'issuedAt'> & {
  readonly flow: LoginFlow;
  /** A browser login's /authorize request (`event.transaction`). */
  readonly browser?: BrowserTransaction;
  /** A browser login back from a redirect (`/continue`): where its extensions resume. */
  readonly resumption?: Resumption | undefined;
};

/**
 * The first half: counts the login and runs the extensions, which decide the tokens' scopes and claims (the
 * draft). A browser login keeps the draft with its code and signs at the exchange; in an interactive flow the
 * draft may ask to send the browser elsewhere first (`redirect`).
 */
export async function draftUserTokens(ctx: GrantContext, req: UserLogin): Promise<UserTokenDraft> {
  const { user, scopes } = req;
  if (ctx.outcome) ctx.outcome.userId = user.userId;
  const users = ctx.extensions.users;
  const logins = req.flow.countsAsLogin ? users.recordLogin(user.userId) : users.logins(user.userId);
  if (!hasUserExtensions(ctx.tenant, req.flow)) return { scopes: [...scopes], accessToken: {}, idToken: {} };
  return runUserExtensions(ctx.extensions, {
    flow: req.flow,
    tenant: ctx.tenant,
    client: ctx.client,
    user,
    connection: req.connection,
    api: req.api,
    scopes,
    requestedScopes: req.requestedScopes,
    params: ctx.params,
    request: ctx.request,
    metadata: users.metadata(user),
    logins,
    now: req.issuedAt ?? ctx.now(),
    browser: req.browser,
  }, req.resumption);
}

/** ID-token claims of a browser login (OIDC core §2, §3.1.3.6, §3.3.2.11). */
export interface IdTokenExtras {
  readonly nonce?: string | undefined;
  /** The session id. */
  readonly sid?: string | undefined;
  /** Epoch seconds of the login. */
  readonly authTime?: number | undefined;
  /** The front-channel code the ID token comes with (hybrid flows): its `c_hash`. */
  readonly code?: string | undefined;
  /** Add `at_hash` (the access token's half-hash). */
  readonly atHash?: boolean;
}

/** The second half: signs the draft's tokens and records the refresh token. */
export async function signUserTokens(ctx: GrantContext, req: Omit<UserTokenRequest, 'flow'> & { readonly flow: LoginFlow }, draft: TokenDraft, extras: IdTokenExtras = {}): Promise<TokenResponse> {
  const { issuer, client, key } = ctx;
  const { user, api, scopes } = req;
  const iat = req.issuedAt ?? ctx.now();
  const openid = scopes.includes('openid');
  const nbf = req.notBefore === undefined ? {} : { nbf: req.notBefore };
  // Recorded first (its checks may refuse the request), and written to the state file while the tokens are
  // signed; the answer waits for both.
  const refreshToken = req.refresh.issue
    ? (req.refresh.record ?? recordLoginToken(ctx))({
        tenant: ctx.tenant.name,
        clientId: client.clientId,
        userId: user.userId,
        audience: api?.identifier,
        scope: scopes,
        issuedAt: iat,
        expiresAt: req.refresh.expiresAt ?? (client.refreshLifetime === undefined ? undefined : iat + client.refreshLifetime),
      })
    : undefined;
  const scope = draft.scopes.join(' ');
  const customIdClaims = releasedClaims(draft.idToken, scopes);

  let accessToken: Promise<string>;
  let expiresIn: number;
  if (api) {
    expiresIn = req.lifetime ?? api.tokenLifetime;
    // Only RS256 APIs get the /userinfo audience (seed 003, reference §5.2).
    const aud = openid && api.signingAlg === 'RS256' ? [api.identifier, `${issuer}userinfo`] : api.identifier;
    const gty = req.flow.gty === undefined ? {} : { gty: req.flow.gty };
    // `access_token_authz` (reference §4, §5.2): every permission the user has for the API, whatever was
    // requested; extensions cannot set `permissions` (a restricted claim).
    const permissions = api.tokenDialect === 'access_token_authz' ? enforcedPermissions(ctx.tenant, user.userId, api) : undefined;
    const authz = permissions === undefined ? {} : { permissions };
    const claims = { iss: issuer, sub: user.userId, aud, iat, exp: iat + expiresIn, ...nbf, scope, ...gty, azp: client.clientId, ...authz, ...releasedClaims(draft.accessToken, scopes) };
    accessToken = (api.hsSigner ?? key.signer).sign(claims);
  } else {
    expiresIn = req.lifetime ?? OPAQUE_TOKEN_LIFETIME;
    const ext = Object.keys(customIdClaims).length > 0 ? { ext: customIdClaims } : {};
    accessToken = sealOpaqueToken({ sub: user.userId, azp: client.clientId, scope, iat, exp: iat + expiresIn, ...ext }, key.opaqueKey, issuer);
  }

  const signIdToken = (hashes: Record<string, string>) =>
    (client.idTokenHsSigner ?? key.signer).sign({
      ...profileClaims(user, scopes),
      iss: issuer,
      sub: user.userId,
      aud: client.clientId,
      iat,
      exp: iat + (req.lifetime ?? client.idTokenLifetime),
      ...nbf,
      ...(extras.authTime === undefined ? {} : { auth_time: extras.authTime }),
      ...(extras.nonce === undefined ? {} : { nonce: extras.nonce }),
      ...(extras.sid === undefined ? {} : { sid: extras.sid }),
      ...hashes,
      ...customIdClaims,
    });
  const codeHash: Record<string, string> = extras.code === undefined ? {} : { c_hash: halfHash(extras.code) };
  // at_hash needs the access token first; otherwise both are signed at once.
  const idToken = !openid ? undefined : extras.atHash ? accessToken.then((at) => signIdToken({ at_hash: halfHash(at), ...codeHash })) : signIdToken(codeHash);

  const [access_token, id_token, refresh_token] = await Promise.all([accessToken, idToken, refreshToken]);
  if (api && openid) ctx.extensions.userinfoClaims.remember(access_token!, { tenant: ctx.tenant.name, userId: user.userId }, customIdClaims, iat + expiresIn);
  return {
    access_token: access_token!,
    ...(refresh_token !== undefined ? { refresh_token } : {}),
    ...(id_token !== undefined ? { id_token } : {}),
    ...(req.alwaysReturnScope || !sameScopes(draft.scopes, req.requestedScopes) ? { scope } : {}),
    expires_in: expiresIn,
    token_type: 'Bearer',
  };
}

/** OIDC's at_hash / c_hash: the left half of the value's SHA-256 (RS256 and HS256 both hash with SHA-256), base64url. */
function halfHash(value: string): string {
  const digest = createHash('sha256').update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/**
 * `grant_type=authorization_code`: the second half of a browser login (browser flows reference §3). The login
 * decided everything at /authorize (who, the scopes, the extensions' claims: the code's draft); the exchange
 * checks the code is this client's and was asked for as the exchange says (redirect_uri, PKCE), then signs.
 * Client authentication happens before (endpoints/token.ts): a confidential client sends its secret by its
 * method, else Auth0's 401 access_denied "Unauthorized"; a public client sends only its client_id.
 *
 * The code is taken (single use) before it is checked: a request with a wrong verifier or redirect_uri uses it
 * up, as one that succeeds does, so a stolen code gets one guess.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { clientAuthFailed, InvalidGrant } from '../oauth/errors.js';
import { requireParams } from '../oauth/params.js';
import type { AuthorizationCodeRecord } from '../store/authorization-codes.js';
import { offlineAccessAllowed } from './audience.js';
import { signUserTokens, type ExchangeFlow } from './issue-tokens.js';
import type { Grant, GrantContext } from './types.js';

/**
 * The exchange runs no extensions (they ran at the login, whose flow was `oidc-basic-profile` or another
 * browser protocol); this describes it to the token step only. No `gty`: Auth0 sets it on the password,
 * client-credentials and refresh grants only (reference §3.7).
 */
const CODE_EXCHANGE_FLOW: ExchangeFlow = {
  protocol: 'oidc-basic-profile',
  interactive: false,
  authentication: [{ name: 'pwd' }],
  passwordExchange: false,
  countsAsLogin: false,
  gty: undefined,
};

const invalidCode = (why: string) => new InvalidGrant('Invalid authorization code', { logDetail: why });
// NOTE(emulator): 403, as every invalid_grant Auth0 is seen to answer; this one's status is not confirmed (reference §11.3).
const verifierFailed = (why: string) => new InvalidGrant('Failed to verify code verifier', { logDetail: why });

export const authorizationCodeGrant: Grant = {
  grantType: 'authorization_code',
  secretRequired: false,
  parameters: ['code', 'redirect_uri', 'code_verifier'],
  async handle(ctx) {
    const { client, params } = ctx;
    const { code } = requireParams(params, 'code');
    const record = await ctx.authorizationCodes.redeem(code);
    // NOTE(emulator): a second use is refused; RFC 6749 §4.1.2 also advises revoking what the first exchange
    // issued, which Auth0 is not documented to do. The emulator does not: apps whose dev mode exchanges the
    // code twice (React's StrictMode runs effects twice) keep the first exchange's tokens.
    if (!record) throw invalidCode('no such code (never issued, already used, expired, or its user was deleted)');
    if (record.tenant !== ctx.tenant.name) throw invalidCode(`code was issued in tenant ${record.tenant}`);
    if (record.clientId !== client.clientId) throw invalidCode(`code was issued to ${record.clientId}`);
    // NOTE(emulator): Auth0's answer to a redirect_uri that differs from /authorize's is not confirmed (reference
    // §11.4); "Invalid authorization code" is the error the community lists it under. When /authorize was
    // given none, the exchange's is not checked (RFC 6749 §4.1.3 asks for it only when /authorize had one).
    if (record.redirectUri !== undefined && params.redirect_uri !== record.redirectUri) {
      throw invalidCode(params.redirect_uri === undefined ? 'redirect_uri missing: /authorize was given one' : `redirect_uri ${params.redirect_uri} is not the one given to /authorize (${record.redirectUri})`);
    }
    checkPkce(ctx, record);

    // After the await: the user as served now (a reload may have removed or blocked them meanwhile).
    const user = ctx.currentTenant()?.usersById.get(record.userId);
    if (!user) throw invalidCode(`user ${record.userId} is no longer in tenant ${ctx.tenant.name}`);
    // NOTE(emulator): Auth0's answer for a user blocked between the login and the exchange is not known; the
    // refresh grant's answer for a blocked user.
    if (user.blocked) throw new InvalidGrant('user is blocked', { logDetail: `${user.email} is blocked` });
    const api = record.audience === undefined ? undefined : ctx.tenant.apis.get(record.audience);
    if (record.audience !== undefined && !api) throw invalidCode(`API ${record.audience} no longer exists`);
    const connection = ctx.tenant.connections.get(record.connection);
    if (ctx.outcome) ctx.outcome.userId = user.userId;

    return signUserTokens(
      ctx,
      {
        flow: CODE_EXCHANGE_FLOW,
        user,
        connection,
        api,
        scopes: record.scopes,
        requestedScopes: record.requestedScopes,
        refresh: { issue: record.scopes.includes('offline_access') && offlineAccessAllowed(client, api) },
        // NOTE(emulator): Auth0's code exchange is shown returning `scope` always (reference §3.5 samples).
        alwaysReturnScope: true,
      },
      // A copy: the stored draft is read-only, the token step's type is not (it does not change it).
      { scopes: [...record.draft.scopes], accessToken: { ...record.draft.accessToken }, idToken: { ...record.draft.idToken } },
      // NOTE(emulator): auth_time always, not only after max_age or prompt=login (reference §11.10): harmless,
      // and SDKs that sent max_age require it.
      { nonce: record.nonce, sid: record.sessionId, authTime: record.authTime, atHash: true },
    );
  },
};

/**
 * PKCE (RFC 7636 §4.6). A code asked for with a challenge needs its verifier: S256 compares the verifier's
 * SHA-256, `plain` the verifier itself. A code without a challenge is a confidential client's: a public client
 * has no other proof that the code is its own.
 */
function checkPkce(ctx: GrantContext, record: AuthorizationCodeRecord): void {
  const verifier = ctx.params.code_verifier;
  if (record.codeChallenge === undefined) {
    // NOTE(emulator): Auth0 documents the secret as needed for the exchange "unless the method is none"; the
    // emulator requires PKCE of public clients (OAuth 2.1, RFC 9700 §2.1.1), answering as Auth0 does to a client
    // that cannot authenticate.
    if (ctx.client.authMethod === 'none') throw clientAuthFailed(`${ctx.client.clientId} is a public client and its code was asked for without a code_challenge (PKCE)`);
    // NOTE(emulator): a verifier for a code asked for without a challenge is refused (OAuth 2.1 §4.1.3: a PKCE
    // downgrade); Auth0's answer is not known.
    if (verifier !== undefined) throw verifierFailed('code_verifier sent, but /authorize was given no code_challenge');
    return;
  }
  // NOTE(emulator): a missing verifier gets the wrong verifier's answer (reference §11.3).
  if (verifier === undefined || verifier === '') throw verifierFailed('code_verifier missing: /authorize was given a code_challenge');
  // NOTE(emulator): a challenge sent without a method is `plain`, RFC 7636's default (reference §11.6).
  const method = record.codeChallengeMethod ?? 'plain';
  const computed = method === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
  if (!sameString(computed, record.codeChallenge)) throw verifierFailed(`code_verifier does not match the ${method} code_challenge`);
}

/** Constant-time for equal lengths (the challenge's length is no secret). */
function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * `grant_type=refresh_token`. The token must belong to this tenant and client and still be live; its user,
 * client and API must still exist. A narrower `scope` may be asked for. With rotation, a new refresh token
 * replaces the old one, and presenting a used token again revokes its whole family (reuse detection).
 * The token is checked when the request arrives and again once the extensions have run (see `rotate`).
 * Every change (the old token marked used, the new one issued, a family revoked) is durable before the
 * answer goes out, and so is a change that made the token refused (a revocation, a delete of its user: see
 * store/refresh-tokens.ts). An expired token is gone from the store, as an unknown one is.
 */
import { InvalidGrant, InvalidScope } from '../oauth/errors.js';
import { requireParams, splitScope } from '../oauth/params.js';
import { rbacScopes } from '../oauth/scopes.js';
import type { RefreshTokens } from '../store/refresh-tokens.js';
import { issueUserTokens, type ExchangeFlow, type NewRefreshToken } from './issue-tokens.js';
import type { Grant, GrantContext } from './types.js';

/** Auth0's `oauth2-refresh-token` protocol: rules and Actions run again, the password hook does not; not a login. */
const REFRESH_FLOW: ExchangeFlow = {
  protocol: 'oauth2-refresh-token',
  interactive: false,
  // NOTE(emulator): what Auth0 reports on a refresh (the login's methods and times?) is not documented; the
  // emulator reports a password authentication at the refresh.
  authentication: [{ name: 'pwd' }],
  passwordExchange: false,
  countsAsLogin: false,
  gty: 'refresh_token',
};

const unknownToken = (why: string) => new InvalidGrant('Unknown or invalid refresh token.', { logDetail: why });
const userGone = (why: string) => new InvalidGrant("The refresh_token was generated for a user who doesn't exist anymore.", { logDetail: why });

export const refreshTokenGrant: Grant = {
  grantType: 'refresh_token',
  secretRequired: false,
  parameters: ['refresh_token', 'scope'],
  async handle(ctx) {
    const { tenant, client, params, refreshTokens } = ctx;
    const { refresh_token: token } = requireParams(params, 'refresh_token');
    const record = await refreshTokens.find(token);
    if (!record) {
      // Perhaps revoked by a request whose change is still being written: refused once that is on disk.
      await refreshTokens.durable();
      throw unknownToken('no such refresh token (never issued, revoked or expired)');
    }
    if (record.tenant !== tenant.name) throw unknownToken('no such refresh token in this tenant');
    if (record.clientId !== client.clientId) throw unknownToken(`refresh token was issued to ${record.clientId}`);
    if (record.userDeletedAt !== undefined) {
      // As above: the delete may still be being written.
      await refreshTokens.durable();
      throw userGone(`user ${record.userId} was deleted`);
    }
    if (record.rotatedAt !== undefined) {
      await refreshTokens.revokeFamily(record.family);
      throw unknownToken('rotated refresh token reused: its family is revoked');
    }

    const user = tenant.usersById.get(record.userId);
    // Not deleted but not there: gone from the config file, or added at runtime by an earlier run. Neither is
    // a delete; the token works again if the user comes back.
    if (!user) throw userGone(`user ${record.userId} is not in tenant ${tenant.name}`);
    if (user.blocked) throw new InvalidGrant('user is blocked', { logDetail: `${user.email} is blocked` });
    const api = record.audience === undefined ? undefined : tenant.apis.get(record.audience);
    if (record.audience !== undefined && !api) throw unknownToken(`API ${record.audience} no longer exists`);

    const requestedScopes = splitScope(params.scope);
    const excess = requestedScopes.filter((s) => !record.scope.includes(s));
    // NOTE(emulator): Auth0's answer to a broader scope on refresh is not documented; RFC 6749 §6 says invalid_scope.
    if (excess.length > 0) throw new InvalidScope(`The requested scope exceeds the scope granted: ${excess.join(', ')}`);
    const kept = requestedScopes.length > 0 ? record.scope.filter((s) => requestedScopes.includes(s)) : [...record.scope];
    // NOTE(emulator): under RBAC a refresh keeps the family's scopes less the permissions the user has lost
    // since (a role taken away, a reload); Auth0 does not document whether it narrows on refresh.
    const scopes = rbacScopes(kept, tenant, user.userId, api);

    return issueUserTokens(ctx, {
      flow: REFRESH_FLOW,
      user,
      connection: tenant.connections.get(user.connection),
      api,
      scopes,
      requestedScopes,
      refresh: {
        issue: client.refreshRotation,
        // Auth0's absolute lifetime is the family's: "a refresh token or refresh token family lifetime"
        // (docs: Configure Refresh Token Expiration).
        expiresAt: record.expiresAt,
        record: (successor) => rotate(ctx, refreshTokens, token, record.family, successor),
      },
      alwaysReturnScope: true,
    });
  },
};

/**
 * Exchanges a rotating token for its successor, once the extensions have run: a request they refuse (a denial,
 * a timeout) leaves the token usable. The user must still be served (checked with no await before the store
 * calls: see issue-tokens.ts); the store then consumes the token atomically: of two concurrent uses, one gets
 * the successor and the other, finding the token used (or its family revoked), is a reuse, which revokes the
 * family, the first one's successor included.
 */
async function rotate(ctx: GrantContext, store: RefreshTokens, token: string, family: string, successor: NewRefreshToken): Promise<string> {
  if (!ctx.currentTenant()?.usersById.has(successor.userId)) {
    await store.durable();
    throw userGone(`user ${successor.userId} was deleted while the extensions ran`);
  }
  const rotation = await store.rotate(token, { ...successor, family });
  if ('issued' in rotation) return rotation.issued;
  if (rotation.refused === 'user-deleted') throw userGone(`user ${successor.userId} was deleted while the extensions ran`);
  throw unknownToken('rotated refresh token used by a concurrent request: its family is revoked');
}

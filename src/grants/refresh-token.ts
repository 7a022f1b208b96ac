/**
 * `grant_type=refresh_token`. The token must belong to this tenant and client and still be live; its user,
 * client and API must still exist. A narrower `scope` may be asked for. With rotation, a new refresh token
 * replaces the old one, and presenting a used token again revokes its whole family (reuse detection).
 * Every change (the old token marked used, the new one issued, a family revoked) is in the state file
 * before the answer goes out, and so is a revocation that made a token unknown (see refresh-tokens.ts).
 */
import { InvalidGrant, InvalidScope } from '../oauth/errors.js';
import { requireParams, splitScope } from '../oauth/params.js';
import { issueUserTokens } from './issue-tokens.js';
import type { Grant } from './types.js';

const unknownToken = (why: string) => new InvalidGrant('Unknown or invalid refresh token.', { logDetail: why });
const userGone = (why: string) => new InvalidGrant("The refresh_token was generated for a user who doesn't exist anymore.", { logDetail: why });

export const refreshTokenGrant: Grant = {
  grantType: 'refresh_token',
  secretRequired: false,
  async handle(ctx) {
    const { tenant, client, params, refreshTokens } = ctx;
    const { refresh_token: token } = requireParams(params, 'refresh_token');
    const record = refreshTokens.find(token);
    if (!record) {
      // Perhaps revoked by a request whose change is still being written: refuse once it is on disk.
      await refreshTokens.durable();
      throw unknownToken('no such refresh token');
    }
    if (record.tenant !== tenant.name) throw unknownToken('no such refresh token in this tenant');
    if (record.clientId !== client.clientId) throw unknownToken(`refresh token was issued to ${record.clientId}`);
    const now = ctx.now();
    if (record.userDeletedAt !== undefined) throw userGone(`user ${record.userId} was deleted`);
    if (record.rotatedAt !== undefined) {
      await refreshTokens.revokeFamily(record.family);
      throw unknownToken('rotated refresh token reused: its family is revoked');
    }
    if (record.expiresAt !== undefined && record.expiresAt <= now) throw unknownToken('refresh token expired');

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
    const scopes = requestedScopes.length > 0 ? record.scope.filter((s) => requestedScopes.includes(s)) : [...record.scope];

    // Marked used before the extensions run, so that a concurrent second use of it is already a reuse.
    const rotated = client.refreshRotation ? refreshTokens.markRotated(token, now) : undefined;
    try {
      return await issueUserTokens(ctx, {
        user,
        connection: tenant.connections.get(user.connection),
        protocol: 'oauth2-refresh-token',
        api,
        scopes,
        requestedScopes,
        gty: 'refresh_token',
        // Auth0's absolute lifetime is the family's: "a refresh token or refresh token family lifetime"
        // (docs: Configure Refresh Token Expiration).
        refresh: { issue: client.refreshRotation, family: record.family, expiresAt: record.expiresAt },
        alwaysReturnScope: true,
      });
    } finally {
      await rotated;
    }
  },
};

import { InvalidRequest } from '../oauth/errors.js';
import { requireParams } from '../oauth/params.js';
import { PASSWORD_LOGIN_PARAMETERS, passwordLogin } from './password-login.js';
import type { Grant } from './types.js';

/** `http://auth0.com/oauth/grant-type/password-realm`: `realm` names the connection (seed 003). */
export const passwordRealmGrant: Grant = {
  grantType: 'http://auth0.com/oauth/grant-type/password-realm',
  secretRequired: false,
  parameters: ['realm', ...PASSWORD_LOGIN_PARAMETERS],
  async handle(ctx) {
    const { realm } = requireParams(ctx.params, 'realm');
    const connection = ctx.tenant.connections.get(realm);
    // NOTE(emulator): the /oauth/token text for an unknown realm is not confirmed; this is Auth0's
    // legacy /oauth/ro wording for the same case.
    if (!connection) throw new InvalidRequest('the connection was not found', { logDetail: `no connection "${realm}" in tenant ${ctx.tenant.name}` });
    return passwordLogin(ctx, connection);
  },
};

import { ServerError } from '../oauth/errors.js';
import { PASSWORD_LOGIN_PARAMETERS, passwordLogin } from './password-login.js';
import type { Grant } from './types.js';

/** `grant_type=password`: the tenant's Default Directory is the connection (seed 003). */
export const passwordGrant: Grant = {
  grantType: 'password',
  secretRequired: false,
  parameters: PASSWORD_LOGIN_PARAMETERS,
  async handle(ctx) {
    const name = ctx.tenant.defaultDirectory;
    const connection = name === undefined ? undefined : ctx.tenant.connections.get(name);
    // Seen on real tenants: a 500 with this text when no Default Directory is set.
    if (!connection) throw new ServerError('Authorization server not configured with default connection.');
    return passwordLogin(ctx, connection);
  },
};

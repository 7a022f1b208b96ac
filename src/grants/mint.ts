/**
 * Tokens minted directly (for tests, and the `token` command), without a grant round-trip but through the
 * same pipeline: the same scope rules, the same rules/hooks/Actions, the same claims and keys.
 * With a user it is a password login without the password; without one, a client-credentials exchange.
 */
import { RequestError } from '../errors.js';
import { grantKey, lookupUser } from '../model/tenant.js';
import { toParams } from '../oauth/params.js';
import { inTimeRange, TIME_RANGE } from '../runtime/clock.js';
import { resolveAudience } from './audience.js';
import { issueClientToken } from './client-credentials.js';
import { issueUserTokens } from './issue-tokens.js';
import { PASSWORD_FLOW, userLoginScopes } from './password-login.js';
import type { GrantContext, TokenResponse } from './types.js';
import type { TenantEnv } from '../endpoints/token.js';

export interface MintOptions {
  /** The tenant; optional when the config has one tenant (or a default one). */
  tenant?: string;
  /** The client the token is for (its `azp`). */
  client: string;
  /** A user (email, username or user_id); without one, a client-credentials token. */
  user?: string;
  /** Where to look the user up (default: every connection, the Default Directory first). */
  connection?: string;
  audience?: string;
  scope?: string | readonly string[];
  /** Seconds until the tokens expire; zero or negative gives tokens that have already expired. */
  expiresIn?: number;
  /** Seconds from now before which the tokens are not valid (adds an `nbf` claim). */
  notBefore?: number;
  /** The issuer to stamp (default: the tenant's issuer at the emulator's URL). */
  issuer?: string;
}

/** The parameters of the request a minted token stands for. */
const MINT_PARAMETERS: ReadonlySet<string> = new Set(['audience', 'scope']);

/** Tokens that cannot be minted as asked (an unknown client or user, a time out of range): 400 on the control plane. */
export class MintError extends RequestError {
  constructor(message: string) {
    super(400, 'invalid_request', message);
  }
}

/** A token time (epoch seconds) must be one the clock could show (see clock.ts for why the range ends at 9999). */
function inDateRange(option: string, seconds: number): void {
  if (!inTimeRange(seconds * 1000)) throw new MintError(`${option} makes a token time outside the dates a token can carry (${TIME_RANGE}).`);
}

export async function mintTokens(env: TenantEnv, options: MintOptions): Promise<TokenResponse> {
  const { tenant } = env;
  const client = tenant.clients.get(options.client);
  if (!client) throw new MintError(`No client "${options.client}" in tenant "${tenant.name}".`);
  const scopeText = typeof options.scope === 'string' ? options.scope : (options.scope ?? []).join(' ');
  const params = toParams(Object.entries({ audience: options.audience, scope: scopeText || undefined }), MINT_PARAMETERS);
  const now = env.now();
  const expired = options.expiresIn !== undefined && options.expiresIn <= 0;
  const timing = {
    ...(options.expiresIn === undefined ? {} : expired ? { lifetime: 60, issuedAt: now + options.expiresIn - 60 } : { lifetime: options.expiresIn }),
    ...(options.notBefore === undefined ? {} : { notBefore: now + options.notBefore }),
  };
  // What it makes the token's iat, exp or nbf must be a date.
  if (options.expiresIn !== undefined) inDateRange('expiresIn', expired ? now + options.expiresIn - 60 : now + options.expiresIn);
  if (options.notBefore !== undefined) inDateRange('notBefore', now + options.notBefore);
  const ctx: GrantContext = { ...env, client, params, request: { id: 'minted', ip: '127.0.0.1', userAgent: 'auth-emulator mint', hostname: 'localhost' } };
  let api;
  try {
    api = resolveAudience(tenant, params, env.issuer);
  } catch (err) {
    throw new MintError((err as Error).message);
  }
  const requested = scopeText.split(/\s+/).filter(Boolean);

  if (options.user === undefined) {
    if (!api) throw new MintError('A client-credentials token needs an audience (or a tenant default_audience).');
    // NOTE(emulator): minting does not require a client grant; without one, the requested or all API scopes.
    const granted = tenant.clientGrants.get(grantKey(client.clientId, api.identifier));
    const scopes = requested.length ? requested : [...(granted ?? api.scopes)];
    return issueClientToken(ctx, api, scopes, requested, timing);
  }

  const user = lookupUser(tenant, options.user, options.connection);
  if (!user) throw new MintError(`No user "${options.user}" in tenant "${tenant.name}"${options.connection ? ` (connection ${options.connection})` : ''}.`);
  const scopes = userLoginScopes(tenant, client, user, api, requested);
  return issueUserTokens(ctx, {
    flow: PASSWORD_FLOW,
    user,
    connection: tenant.connections.get(user.connection),
    api,
    scopes,
    requestedScopes: requested,
    refresh: { issue: scopes.includes('offline_access') && !expired },
    alwaysReturnScope: true,
    ...timing,
  });
}

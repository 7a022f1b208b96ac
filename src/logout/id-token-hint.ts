/**
 * The `id_token_hint` of an RP-initiated logout (browser flows reference §6.2): an ID token this tenant issued
 * (signed with its key, or with the client's secret for HS256 clients; `iss` is this issuer) to one of its
 * clients (`aud`). An expired one is accepted, as OpenID Connect RP-Initiated Logout allows: logging out is
 * what happens after tokens expire.
 */
import { createSecretKey } from 'node:crypto';
import type { Tenant } from '../model/tenant.js';
import { InvalidRequest } from '../oauth/errors.js';
import type { TenantKey } from '../tokens/key-store.js';

export interface IdTokenHint {
  readonly clientId: string;
  /** The session the token was issued in (`sid`), when it says. */
  readonly sid: string | undefined;
}

// NOTE(emulator): Auth0's texts for a bad id_token_hint are not confirmed; these say what is wrong.
const invalid = (why: string) => new InvalidRequest(`Invalid id_token_hint: ${why}`);

export async function verifyIdTokenHint(tenant: Tenant, key: TenantKey, issuer: string, token: string): Promise<IdTokenHint> {
  // jose is loaded on first use, so start-up does not pay for it.
  const { compactVerify, decodeJwt, decodeProtectedHeader } = await import('jose');
  let claims: ReturnType<typeof decodeJwt>;
  let alg: string | undefined;
  try {
    claims = decodeJwt(token);
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw invalid('it is not a JWT');
  }
  const aud = typeof claims.aud === 'string' ? claims.aud : Array.isArray(claims.aud) && claims.aud.length === 1 ? claims.aud[0] : undefined;
  const client = aud === undefined ? undefined : tenant.clients.get(aud);
  if (!client) throw invalid('its audience is not a client of this tenant');
  // The audience only chooses the key here; nothing is trusted before the signature holds.
  const verifyWith = alg === 'HS256' && client.clientSecret !== undefined ? createSecretKey(Buffer.from(client.clientSecret, 'utf8')) : key.publicKey;
  try {
    await compactVerify(token, verifyWith, { algorithms: [alg === 'HS256' ? 'HS256' : 'RS256'] });
  } catch {
    throw invalid('its signature does not verify');
  }
  if (claims.iss !== issuer) throw invalid(`it was issued by ${String(claims.iss)}, not by this tenant (${issuer})`);
  return { clientId: client.clientId, sid: typeof claims.sid === 'string' ? claims.sid : undefined };
}
